"""Sentences with accented letters, for eval to read back with tesseract's French and German
models: written for this project, not taken from any data set."""

FRENCH = [
    "Où est la bibliothèque du quartier ?", "Le café était déjà fermé à midi.", "Elle a préféré la crème brûlée.",
    "Nous irons à la fête de Noël.", "Le garçon a reçu une lettre.", "Cette année, l'été fut très sec.",
    "Il a goûté le pâté de sa tante.", "Les élèves étudient l'histoire.", "La forêt est près du lac.",
    "Voilà le château de mon père.", "Ma sœur préfère le thé au café.", "Le bébé dort dans la chambre.",
    "Un hôtel célèbre sur la côte.", "Le maïs pousse dans le champ.", "Quelle idée étrange, Hélène !",
    "Il faut être prêt à huit heures.", "La leçon de français a commencé.", "Le marché ouvre à sept heures.",
    "Noé a dessiné un arbre.", "Où sont passées mes clés ?", "Le théâtre présente une comédie.",
    "Ça coûte très cher, répond-il.", "Le hérisson traverse la rue.", "Une soirée agréable à Genève.",
    "Le médecin a vérifié la fièvre.",
]
GERMAN = [
    "Die Brücke über den Fluss ist schön.", "Wir fahren nächste Woche nach München.", "Der Bäcker öffnet früh.",
    "Meine Tante trinkt gern Tee.", "Die Kinder spielen im Garten.", "Er hat die Tür geöffnet.",
    "Im Frühling blühen die Bäume.", "Das Mädchen liest ein Märchen.", "Wir müssen um acht Uhr gehen.",
    "Der Käse schmeckt würzig.", "Die Gasse ist heute ruhig.", "Ich höre gern Musik.",
    "Der Zug nach Köln ist pünktlich.", "Sie trägt einen grünen Mantel.", "Das Wetter wird morgen besser.",
    "Die Lösung war ganz einfach.", "Er zählt die Äpfel im Korb.", "Wir besuchen die Nachbarn.",
    "Das Flugzeug landet in Zürich.", "Die Tür zum Büro ist offen.", "Ein Vogel singt auf dem Dach.",
    "Der Schlüssel liegt im Schrank.", "Sie übt jeden Tag Klavier.", "Das Essen war köstlich.",
    "Wir wünschen dir viel Glück.",
]
