"""Built-in phrases for generated tickets: a university IT / student office helpdesk in
German, Italian and English. Small on purpose: enough variety that texts, indexes and
compression behave like real mail, no external files."""

from __future__ import annotations

from dataclasses import dataclass

# Topic -> the queue its tickets land in (created by bench.reference when missing).
TOPIC_QUEUES = {
    "wlan": "IT::Network::WLAN",
    "vpn": "IT::Network::VPN",
    "mail": "IT::Mail",
    "printing": "IT::Printing",
    "password": "IT::Accounts",
    "enrolment": "Segreteria Studenti",
}
# How often each topic comes up (WLAN and passwords dominate at the start of term).
TOPIC_WEIGHTS = {
    "wlan": 24,
    "vpn": 14,
    "mail": 16,
    "printing": 12,
    "password": 20,
    "enrolment": 14,
}
# The ticket type each topic usually gets (others are drawn at random now and then).
TOPIC_TYPES = {
    "wlan": "Incident",
    "vpn": "Incident",
    "mail": "Incident",
    "printing": "Incident",
    "password": "Service Request",
    "enrolment": "Service Request",
}


@dataclass(frozen=True)
class Topic:
    subjects: tuple[str, ...]
    problems: tuple[str, ...]
    answers: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Language:
    greetings: tuple[str, ...]
    details: tuple[str, ...]
    closings: tuple[str, ...]
    followups: tuple[str, ...]
    # Agent mails: salutation with {first}, closing with {agent}.
    salutation: str
    agent_closing: str
    # What the customer's mail program puts before a reply subject.
    reply_prefix: str
    note_subject: str
    topics: dict[str, Topic]
    # English starts the sentence after "Dear X," with a capital; German and Italian don't.
    capitalize_answer: bool = False


GERMAN = Language(
    greetings=("Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Liebes IT-Team,"),
    details=(
        "Ich nutze einen Laptop mit Windows 11.",
        "Mein Gerät ist ein MacBook mit macOS 14.",
        "Das Problem tritt auch auf meinem Android-Handy auf.",
        "Ich habe den Rechner bereits neu gestartet.",
        "Es ist ziemlich dringend, weil ich morgen eine Abgabe habe.",
        "Eine Kommilitonin hat das gleiche Problem.",
        "Die Fehlermeldung habe ich leider nicht abfotografiert.",
    ),
    closings=("Viele Grüße", "Mit freundlichen Grüßen", "Danke im Voraus und viele Grüße", "Gruß"),
    followups=(
        "Vielen Dank, jetzt funktioniert es wieder.",
        "Leider besteht das Problem weiterhin.",
        "Ich habe es wie beschrieben versucht, bekomme aber dieselbe Fehlermeldung.",
        "Danke für die schnelle Antwort! Das Ticket kann geschlossen werden.",
        "Wann ist die Störung voraussichtlich behoben?",
        "Anbei noch die genaue Fehlermeldung: Zeitüberschreitung bei der Anmeldung.",
    ),
    salutation="Hallo {first},",
    agent_closing="Viele Grüße\n{agent}\nIT-Servicedesk",
    reply_prefix="AW: ",
    note_subject="Notiz",
    topics={
        "wlan": Topic(
            subjects=(
                "WLAN eduroam verbindet nicht",
                "Kein Internet im Hörsaal H4",
                "eduroam bricht ständig ab",
                "WLAN in der Bibliothek sehr langsam",
            ),
            problems=(
                "Seit heute Morgen kann ich mich nicht mehr mit eduroam verbinden.",
                "Das Passwort ist sicher richtig, trotzdem kommt ein Authentifizierungsfehler.",
                "Die Verbindung bricht alle paar Minuten ab.",
                "Im zweiten Stock der Bibliothek ist das WLAN kaum nutzbar.",
                "Nach dem Update des Betriebssystems findet mein Laptop das Netz nicht mehr.",
            ),
            answers=(
                "bitte installieren Sie das eduroam-Profil mit dem CAT-Tool neu.",
                "der Access Point im Hörsaal H4 wurde neu gestartet, bitte versuchen Sie es "
                "erneut.",
                "bitte melden Sie sich mit Ihrer vollständigen Kennung inkl. @uni-Domain an.",
            ),
            notes=(
                "Controller-Log geprüft: viele Radius-Timeouts.",
                "Access Point H4-02 zeigt hohe Last, an Netzwerkteam weitergegeben.",
                "Nutzer hat altes Zertifikat im Profil.",
            ),
        ),
        "vpn": Topic(
            subjects=(
                "VPN-Verbindung schlägt fehl",
                "Kein Zugriff auf Lizenzserver über VPN",
                "VPN-Client meldet Zertifikatsfehler",
            ),
            problems=(
                "Von zu Hause aus kann ich keine VPN-Verbindung aufbauen.",
                "Der Client bleibt bei 'Verbindung wird hergestellt' stehen.",
                "Über VPN erreiche ich die Literaturdatenbanken nicht.",
                "Es erscheint die Meldung, dass das Serverzertifikat ungültig ist.",
            ),
            answers=(
                "bitte aktualisieren Sie den VPN-Client auf die aktuelle Version.",
                "das Zertifikat wurde gestern erneuert; ein Neustart des Clients sollte helfen.",
                "für die Datenbanken wählen Sie bitte das Profil 'Voll-Tunnel'.",
            ),
            notes=(
                "Gateway-Log: Login erfolgreich, kein Routing ins Bibliotheksnetz.",
                "Bekanntes Problem mit altem Client unter macOS.",
            ),
        ),
        "mail": Topic(
            subjects=(
                "Postfach voll",
                "E-Mails kommen nicht an",
                "Outlook fragt ständig nach dem Passwort",
                "Weiterleitung an private Adresse einrichten",
            ),
            problems=(
                "Ich erhalte die Meldung, dass mein Postfach das Speicherlimit erreicht hat.",
                "Mails von externen Absendern kommen seit gestern nicht mehr an.",
                "Outlook fragt alle paar Minuten nach meinem Passwort.",
                "Ich möchte meine Uni-Mails an meine private Adresse weiterleiten.",
            ),
            answers=(
                "Ihr Postfach wurde auf 5 GB erweitert.",
                "die Mails wurden vom Spamfilter zurückgehalten und sind jetzt zugestellt.",
                "bitte entfernen Sie das gespeicherte Kennwort in der "
                "Anmeldeinformationsverwaltung.",
            ),
            notes=(
                "Quota erhöht, Nutzer informiert.",
                "Absenderdomain stand auf der Sperrliste, entfernt.",
            ),
        ),
        "printing": Topic(
            subjects=(
                "Drucker im PC-Pool druckt nicht",
                "Druckguthaben wurde nicht aufgeladen",
                "Druckauftrag hängt in der Warteschlange",
            ),
            problems=(
                "Der Drucker im PC-Pool 1.014 zeigt einen Papierstau an.",
                "Ich habe 10 Euro Druckguthaben überwiesen, es ist aber nicht angekommen.",
                "Mein Druckauftrag bleibt in der Warteschlange hängen.",
                "Farbdrucke kommen nur schwarz-weiß heraus.",
            ),
            answers=(
                "der Papierstau wurde behoben, der Drucker ist wieder bereit.",
                "das Guthaben wurde manuell gebucht.",
                "bitte löschen Sie den Auftrag und senden Sie ihn erneut an 'FollowMe'.",
            ),
            notes=(
                "Hausmeister informiert, Papier nachgefüllt.",
                "Buchung im Kassensystem geprüft.",
            ),
        ),
        "password": Topic(
            subjects=(
                "Passwort vergessen",
                "Konto gesperrt",
                "Passwort zurücksetzen",
                "Zwei-Faktor-Authentifizierung neues Handy",
            ),
            problems=(
                "Ich habe mein Passwort vergessen und komme nicht mehr in mein Konto.",
                "Nach mehreren Fehlversuchen ist mein Konto gesperrt.",
                "Ich habe ein neues Handy und kann den zweiten Faktor nicht mehr bestätigen.",
                "Die Rücksetzung über das Self-Service-Portal funktioniert nicht.",
            ),
            answers=(
                "Ihr Konto wurde entsperrt; bitte setzen Sie ein neues Passwort im Portal.",
                "Sie erhalten ein Initialpasswort per Post an Ihre Meldeadresse.",
                "der zweite Faktor wurde zurückgesetzt, bitte richten Sie die App neu ein.",
            ),
            notes=(
                "Identität per Ausweis am Schalter geprüft.",
                "Sperre durch Brute-Force-Schutz, IP aus Wohnheimnetz.",
            ),
        ),
        "enrolment": Topic(
            subjects=(
                "Immatrikulationsbescheinigung",
                "Studienbescheinigung auf Englisch",
                "Bescheinigung für BAföG",
            ),
            problems=(
                "Ich benötige eine Immatrikulationsbescheinigung für meine Krankenkasse.",
                "Für ein Auslandssemester brauche ich eine Studienbescheinigung auf Englisch.",
                "Im Portal kann ich die Bescheinigung nicht herunterladen.",
            ),
            answers=(
                "die Bescheinigung steht jetzt im Studierendenportal zum Download bereit.",
                "die englische Bescheinigung wurde an Ihre Uni-Adresse gesendet.",
                "bitte zahlen Sie zunächst den Semesterbeitrag, danach wird sie freigeschaltet.",
            ),
            notes=("Semesterbeitrag noch offen.", "Bescheinigung manuell erstellt."),
        ),
    },
)

ITALIAN = Language(
    greetings=("Buongiorno,", "Salve,", "Gentile supporto,", "Buonasera,"),
    details=(
        "Uso un portatile con Windows 11.",
        "Il mio dispositivo è un MacBook con macOS 14.",
        "Il problema si presenta anche sul mio telefono Android.",
        "Ho già riavviato il computer.",
        "È abbastanza urgente perché domani ho un esame.",
        "Anche una mia collega ha lo stesso problema.",
    ),
    closings=("Cordiali saluti", "Grazie mille e buona giornata", "Distinti saluti", "Saluti"),
    followups=(
        "Grazie, ora funziona di nuovo.",
        "Purtroppo il problema persiste.",
        "Ho provato come indicato ma ricevo lo stesso messaggio di errore.",
        "Grazie per la risposta rapida! Il ticket può essere chiuso.",
        "Quando sarà risolto il guasto?",
    ),
    salutation="Gentile {first},",
    agent_closing="Cordiali saluti\n{agent}\nServizio IT",
    reply_prefix="R: ",
    note_subject="Nota interna",
    topics={
        "wlan": Topic(
            subjects=(
                "Wi-Fi eduroam non si connette",
                "Nessuna connessione in aula magna",
                "eduroam si disconnette di continuo",
            ),
            problems=(
                "Da stamattina non riesco più a collegarmi a eduroam.",
                "La password è corretta ma ricevo un errore di autenticazione.",
                "La connessione cade ogni pochi minuti.",
                "In biblioteca il segnale Wi-Fi è debolissimo.",
            ),
            answers=(
                "la preghiamo di reinstallare il profilo eduroam con lo strumento CAT.",
                "l'access point dell'aula è stato riavviato, riprovi per favore.",
                "acceda con il nome utente completo, incluso il dominio dell'ateneo.",
            ),
            notes=(
                "Log del controller: molti timeout Radius.",
                "Access point sovraccarico, segnalato al gruppo rete.",
            ),
        ),
        "vpn": Topic(
            subjects=("Problema connessione VPN", "VPN: errore di certificato"),
            problems=(
                "Da casa non riesco a stabilire la connessione VPN.",
                "Il client resta bloccato su 'connessione in corso'.",
                "Tramite VPN non accedo alle banche dati della biblioteca.",
            ),
            answers=(
                "aggiorni il client VPN all'ultima versione.",
                "il certificato è stato rinnovato ieri; riavvii il client per favore.",
            ),
            notes=("Gateway: login riuscito, manca la rotta verso la rete biblioteca.",),
        ),
        "mail": Topic(
            subjects=("Casella di posta piena", "Email non ricevute", "Inoltro della posta"),
            problems=(
                "Ricevo un avviso che la mia casella ha raggiunto il limite di spazio.",
                "Da ieri non ricevo più email da mittenti esterni.",
                "Vorrei inoltrare la posta istituzionale al mio indirizzo privato.",
            ),
            answers=(
                "la sua casella è stata ampliata a 5 GB.",
                "i messaggi erano trattenuti dal filtro antispam e ora sono stati consegnati.",
            ),
            notes=(
                "Quota aumentata, utente informato.",
                "Dominio mittente rimosso dalla blacklist.",
            ),
        ),
        "printing": Topic(
            subjects=("Stampante del laboratorio non stampa", "Credito di stampa non caricato"),
            problems=(
                "La stampante del laboratorio informatico segnala un inceppamento.",
                "Ho ricaricato 10 euro di credito di stampa ma non risultano.",
                "Il mio lavoro di stampa resta in coda.",
            ),
            answers=(
                "l'inceppamento è stato risolto, la stampante è di nuovo disponibile.",
                "il credito è stato accreditato manualmente.",
            ),
            notes=("Carta ricaricata dal personale.",),
        ),
        "password": Topic(
            subjects=("Password dimenticata", "Account bloccato", "Reimpostare la password"),
            problems=(
                "Ho dimenticato la password e non riesco ad accedere.",
                "Dopo vari tentativi errati il mio account è stato bloccato.",
                "Ho cambiato telefono e non riesco più a confermare il secondo fattore.",
            ),
            answers=(
                "il suo account è stato sbloccato; imposti una nuova password dal portale.",
                "il secondo fattore è stato reimpostato, configuri di nuovo l'app.",
            ),
            notes=("Identità verificata allo sportello con documento.",),
        ),
        "enrolment": Topic(
            subjects=(
                "Richiesta certificato di iscrizione",
                "Certificato di iscrizione in inglese",
                "Certificato per borsa di studio",
            ),
            problems=(
                "Vorrei ricevere un certificato di iscrizione per una borsa di studio.",
                "Mi serve il certificato di iscrizione in lingua inglese per l'Erasmus.",
                "Non riesco a scaricare il certificato dal portale studenti.",
            ),
            answers=(
                "il certificato è disponibile nel portale studenti.",
                "il certificato in inglese è stato inviato al suo indirizzo istituzionale.",
                "risulta ancora da pagare la seconda rata delle tasse universitarie.",
            ),
            notes=("Seconda rata non pagata.", "Certificato emesso manualmente."),
        ),
    },
)

ENGLISH = Language(
    greetings=("Hello,", "Hi,", "Dear helpdesk,", "Good morning,"),
    details=(
        "I am using a laptop with Windows 11.",
        "My device is a MacBook running macOS 14.",
        "The same happens on my Android phone.",
        "I have already restarted the computer.",
        "It is rather urgent as I have a deadline tomorrow.",
    ),
    closings=("Best regards", "Kind regards", "Thanks in advance", "Cheers"),
    followups=(
        "Thank you, it works again now.",
        "Unfortunately the problem persists.",
        "I tried as described but still get the same error message.",
        "Thanks for the quick reply! The ticket can be closed.",
        "When do you expect the outage to be fixed?",
    ),
    salutation="Dear {first},",
    agent_closing="Kind regards\n{agent}\nIT Service Desk",
    reply_prefix="Re: ",
    note_subject="Internal note",
    capitalize_answer=True,
    topics={
        "wlan": Topic(
            subjects=(
                "Cannot connect to eduroam",
                "No Wi-Fi in lecture hall H4",
                "eduroam keeps dropping",
            ),
            problems=(
                "Since this morning I cannot connect to eduroam any more.",
                "My password is definitely correct but authentication fails.",
                "The connection drops every few minutes.",
                "Wi-Fi on the second floor of the library is barely usable.",
            ),
            answers=(
                "please reinstall the eduroam profile with the CAT tool.",
                "the access point in lecture hall H4 has been restarted, please try again.",
                "please log in with your full user name including the university domain.",
            ),
            notes=("Controller log: many Radius timeouts.", "User has an old certificate."),
        ),
        "vpn": Topic(
            subjects=("VPN connection fails", "No access to licence server via VPN"),
            problems=(
                "I cannot establish a VPN connection from home.",
                "The client is stuck at 'connecting'.",
                "Via VPN I cannot reach the library databases.",
            ),
            answers=(
                "please update the VPN client to the current version.",
                "for the databases please choose the 'full tunnel' profile.",
            ),
            notes=("Known issue with the old client on macOS.",),
        ),
        "mail": Topic(
            subjects=("Mailbox full", "Emails not arriving", "Outlook keeps asking for password"),
            problems=(
                "I get a message saying my mailbox has reached its quota.",
                "Emails from external senders have not arrived since yesterday.",
                "Outlook asks for my password every few minutes.",
            ),
            answers=(
                "your mailbox has been extended to 5 GB.",
                "the messages were held by the spam filter and have now been delivered.",
            ),
            notes=("Quota raised, user informed.",),
        ),
        "printing": Topic(
            subjects=("Printer in the computer lab not working", "Print credit not topped up"),
            problems=(
                "The printer in computer lab 1.014 shows a paper jam.",
                "I transferred 10 euros of print credit but it has not arrived.",
                "My print job is stuck in the queue.",
            ),
            answers=(
                "the paper jam has been cleared, the printer is ready again.",
                "the credit has been booked manually.",
            ),
            notes=("Caretaker informed, paper refilled.",),
        ),
        "password": Topic(
            subjects=(
                "Forgot my password",
                "Account locked",
                "Two-factor authentication new phone",
            ),
            problems=(
                "I forgot my password and cannot log in.",
                "After several failed attempts my account is locked.",
                "I have a new phone and cannot confirm the second factor any more.",
            ),
            answers=(
                "your account has been unlocked; please set a new password in the portal.",
                "the second factor has been reset, please set up the app again.",
            ),
            notes=("Identity checked with ID card at the desk.",),
        ),
        "enrolment": Topic(
            subjects=("Enrolment certificate", "Certificate of enrolment for visa"),
            problems=(
                "I need a certificate of enrolment for my visa application.",
                "I cannot download the enrolment certificate from the student portal.",
            ),
            answers=(
                "the certificate is now available for download in the student portal.",
                "the certificate has been sent to your university address.",
            ),
            notes=("Tuition fee still outstanding.",),
        ),
    },
)

LANGUAGES = {"de": GERMAN, "it": ITALIAN, "en": ENGLISH}

# Customer names per language: (first names, last names).
NAMES = {
    "de": (
        ("Max", "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lena", "Paul", "Hannah"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"),
    ),
    "it": (
        ("Laura", "Marco", "Giulia", "Luca", "Francesca", "Matteo", "Chiara", "Alessandro"),
        ("Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno"),
    ),
    "en": (
        ("John", "Emily", "James", "Olivia", "Daniel", "Grace", "Thomas", "Chloe"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Clarke"),
    ),
}
# Customer companies per language: (customer id, name, mail domain).
COMPANIES = {
    "de": ("FAU", "Friedrich-Alexander-Universität", "fau.example.org"),
    "it": ("UNIMI", "Università degli Studi di Milano", "unimi.example.org"),
    "en": ("UOE", "University of Edinburgh", "ed.example.ac.uk"),
}
# Agents the generator creates when the database has too few:
# (login, first name, last name, language).
AGENTS = (
    ("anna", "Anna", "Berger", "de"),
    ("marco", "Marco", "Rossi", "it"),
    ("ebauer", "Eva", "Bauer", "de"),
    ("gferrari", "Giorgio", "Ferrari", "it"),
    ("jtaylor", "Jane", "Taylor", "en"),
    ("khoffmann", "Klaus", "Hoffmann", "de"),
)
