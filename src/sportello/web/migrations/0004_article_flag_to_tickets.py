# The article flags belong to tickets now (tickets 0014 took over the table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0003_widget_filter"),
        ("tickets", "0014_article_flag_from_web"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ArticleFlag")],
        ),
    ]
