from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_keep_existing_access")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="menu_order",
            field=models.JSONField(blank=True, default=list, verbose_name="order of the top menu"),
        ),
    ]
