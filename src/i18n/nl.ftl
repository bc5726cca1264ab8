# Fluister — Nederlands (B1: korte zinnen, gewone woorden, voor leerlingen van 10 tot 18).

site-name = Fluister
site-tagline = Anoniem melden bij je school
lang-switch-label = Taal

help-title = Is iemand nu in gevaar?
help-112 = Bel meteen
help-kindertelefoon = Wil je met iemand praten? Bel of chat gratis en anoniem met de Kindertelefoon:
help-veilig-thuis = Is het thuis niet veilig? Bel gratis Veilig Thuis:
help-line-danger = Gevaar? Bel
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = Fluister onthoudt niet wie je bent en niet waar je bent. Je melding gaat op slot. Alleen de vertrouwenspersonen van je school hebben de sleutel.
footer-privacy-spare-key = Fluister onthoudt niet wie je bent en niet waar je bent. Je melding gaat op slot. De vertrouwenspersonen van je school hebben de sleutel. Het schoolbestuur bewaart ook een reservesleutel, in een kluis. Die mag het bestuur alleen gebruiken als de vertrouwenspersonen zelf niet meer bij de meldingen kunnen. Dat kan gebeuren als een vertrouwenspersoon zijn of haar sleutel kwijt is.
footer-privacy-spare-key-some = Fluister onthoudt niet wie je bent en niet waar je bent. Je melding gaat op slot. De vertrouwenspersonen van je school hebben de sleutel. Bij sommige scholen bewaart het schoolbestuur ook een reservesleutel, in een kluis. Die mag het bestuur alleen gebruiken als de vertrouwenspersonen zelf niet meer bij de meldingen kunnen. Of jouw school zo'n reservesleutel heeft, lees je onderaan de meldpagina van je school.

home-title = Kies je school
home-intro = Bij welke school wil je iets melden?

form-title = Meld het bij { $school }
form-intro = Je hoeft je naam niet te geven.
form-who-reads = Wie leest dit? Alleen de vertrouwenspersonen van { $school }. Niemand anders, ook Fluister niet.
form-who-reads-spare-key = Wie leest dit? De vertrouwenspersonen van { $school }. Fluister leest het niet. Het schoolbestuur bewaart wel een reservesleutel. Onderaan deze pagina lees je waar die voor is.
form-what-next = Wat gebeurt er daarna? Je krijgt een code. Met die code lees je later het antwoord van school, en kun je meer vertellen. Meestal komt er binnen een paar schooldagen antwoord.
form-submit = Verstuur melding
optional = (mag je leeg laten)

notices-title-fix = Er moet nog iets veranderen. Je tekst staat er nog.
notices-title-not-sent = Je melding is nog niet verstuurd. Je tekst staat er nog.
notices-title-already-sent = Deze melding was al verstuurd.

field-category = Waar gaat het over?
field-category-hint = Kies wat het beste past. Twijfel je? Kies dan "Iets anders".
category-bullying = Pesten (op school of online)
category-threat = Iemand wordt bedreigd
category-fight-filmed = Een vechtpartij is gefilmd
category-images-shared = Naaktfoto's of naaktfilmpjes van iemand worden rondgestuurd
category-sextortion = Iemand vraagt om naaktfoto's, of dreigt ze te delen
category-reputation = Iemand wordt zwartgemaakt, met roddels of een nepaccount
category-hacked-account = Iemand heeft een account overgenomen (gehackt)
category-discrimination = Iemand wordt slecht behandeld om wie hij of zij is (discriminatie)
category-adult-contact = Een volwassene doet iets wat niet oké is
category-other = Iets anders

note-images-title = Gaat het om naaktfoto's of -filmpjes?
note-images = Stuur de foto of het filmpje nooit door, ook niet als bewijs. Dat is strafbaar, ook als je wilt helpen. Vertel ons liever waar het staat: welke app, welke groep of welk account.
note-images-help = Hulp om beelden van internet te laten halen:
note-adult-title = Gaat het om een volwassene, bijvoorbeeld iemand die op school werkt?
note-adult = Soms moet de school dan hulp van buiten de school vragen, om jou en anderen te beschermen. Dat kan de inspectie van het onderwijs zijn, of de politie. De vertrouwenspersoon vertelt je altijd eerst wat er gaat gebeuren.

field-description = Wat is er gebeurd?
field-description-hint = Vertel het in je eigen woorden. Schrijf zo veel of zo weinig als je wilt.
field-where = Waar gebeurde het?
field-where-hint = Bijvoorbeeld: in de klas, op het schoolplein, op Snapchat, in een groepsapp.
field-when = Wanneer gebeurde het?
field-when-hint = Bijvoorbeeld: gisteren, al een paar weken, elke dinsdag.
field-involved = Wie zijn erbij betrokken?
field-involved-hint = Je mag dit leeg laten. Je mag ook alleen een klas, een groep of een accountnaam noemen.
field-danger = Is iemand nu in gevaar?
danger-yes = Ja
danger-unsure = Weet ik niet
danger-no = Nee
danger-yes-hint = Is iemand nu in gevaar? Wacht dan niet op de school: bel 112.

problem-description-missing = Vertel in een paar woorden wat er is gebeurd.
problem-too-long = Deze tekst heeft { $chars } tekens. Er mogen er { $max } in. Maak hem wat korter. De rest kun je later sturen met je code.
problem-unknown-category = Kies een onderwerp uit de lijst.
problem-unknown-danger = Kies ja, nee of weet ik niet.
problem-invalid-utf8 = Een stukje van je tekst kwam kapot aan. Lees je tekst nog even na: tekens die misgingen zie je als �. Verbeter ze en verstuur opnieuw.
problem-unreadable = Je browser stuurde het formulier op een manier die wij niet kunnen lezen. Vul het formulier hieronder in en verstuur het opnieuw.
problem-unavailable = Sorry, er ging bij ons iets mis. Je melding is NIET verstuurd en je hebt nog geen code. Je tekst staat hieronder nog. Probeer het over een paar minuten opnieuw.
problem-busy = Het is nu heel druk. Je melding is nog niet verstuurd. Je tekst staat hieronder nog. Probeer het over een minuut opnieuw.

done-title = Je melding is verstuurd
done-danger = Je schreef dat iemand nu misschien in gevaar is. Wacht niet op de school. Bel
done-code-intro = Dit is je code:
done-keep-title = Bewaar je code goed
done-keep-1 = Schrijf hem op papier, of bewaar hem op een plek waar alleen jij kijkt.
done-keep-2 = Alleen met deze code lees je het antwoord van school. Niemand kan hem voor je opzoeken of opnieuw maken.
done-keep-3 = Wie je code heeft, kan je melding lezen. Laat hem aan niemand zien.
done-kept = Ik heb mijn code bewaard
done-show-again = Laat mijn code nog een keer zien

confirm-title = Heb je je code bewaard? Typ hem hier over.
confirm-label = Je code
confirm-submit = Controleer mijn code
confirm-empty = Typ je code in het vak.
confirm-wrong-length = Een code heeft 16 tekens. Jij typte er { $count }.
confirm-bad-symbol = Er staat een teken in dat nooit in een code zit. Een code heeft alleen cijfers en letters.
confirm-mismatch = Dat is niet dezelfde code. Kijk goed en verbeter wat je hebt opgeschreven.
confirm-pattern-hint = Typ de code over die je net kreeg. Hoofdletters, spaties en streepjes maken niet uit.
confirm-unknown = We kunnen deze code niet vinden. Kijk hem na en probeer het opnieuw.
confirm-ok-title = Je code werkt
confirm-ok = Goed zo! Je hebt je code goed bewaard.
confirm-come-back = Kom over een paar dagen terug met je code. Kies dan bovenaan "Antwoord lezen".
back-home = Naar de beginpagina

error-not-found-title = Deze pagina bestaat niet
error-not-found = Misschien is het adres niet goed overgetypt. Ga naar de beginpagina en probeer het opnieuw.
error-method-title = Dat kan zo niet
error-method = Deze pagina open je niet op deze manier. Wil je iets melden? Ga dan naar de beginpagina. Wil je het antwoord van school lezen? Kies dan bovenaan "Antwoord lezen".
error-too-large-title = Je tekst is te lang
error-too-large = Zoveel tekst kunnen we niet ontvangen. Je melding is niet verstuurd. Ga terug met de terugknop van je browser (je tekst staat er dan meestal nog) en maak hem korter. De rest kun je later sturen met je code.
error-internal-title = Sorry, er ging iets mis
error-internal = Er ging bij ons iets mis. Het ligt niet aan jou. Probeer het over een paar minuten opnieuw.

nav-check = Antwoord lezen
check-title = Lees het antwoord van school
check-intro = Typ de code die je kreeg toen je je melding verstuurde. Hoofdletters, spaties en streepjes maken niet uit.
check-label = Je code
check-submit = Open mijn melding
check-not-found = We konden deze code niet vinden. Kijk hem na en probeer het opnieuw.
check-lost = Code kwijt? Dat is niet jouw schuld, en je melding is niet weg: de school heeft hem gekregen en gaat ermee aan de slag. Alleen kun je het antwoord nu niet lezen. Wil je toch iets vertellen of vragen? Maak dan een nieuwe melding en schrijf erbij dat je je code kwijt bent.
check-draft-kept = Je bericht staat hieronder nog. Het is nog niet verstuurd.
conv-title = Je melding
conv-status = Status:
status-new = ontvangen
status-open = in behandeling
status-closed = afgerond
conv-your-report = Wat je meldde op { $date }
conv-from-pupil = Jij schreef op { $date }
conv-from-school = De school schreef op { $date }
conv-unreadable = Dit bericht kon niet worden geopend.
conv-no-answer = Er is nog geen antwoord. Kom over een paar dagen terug.
conv-write-title = Wil je nog iets vertellen?
conv-message-label = Je bericht
conv-send = Verstuur bericht
conv-sent = Je bericht is verstuurd.
conv-newest = Nieuwste antwoord van school, { $date }
conv-thread = Het hele gesprek
conv-to-message = Schrijf een bericht
conv-not-sent = Je bericht is nog niet verstuurd. Je tekst staat er nog.
conv-leave = Klaar? Sluit deze pagina. Gebruikt iemand anders ook je telefoon of computer? Wis dan je geschiedenis.
message-empty = Schrijf eerst een bericht.
message-too-long = Je bericht heeft { $chars } tekens. Er mogen er { $max } in. Maak het korter, of stuur het in twee delen.
message-unavailable = Sorry, er ging bij ons iets mis. Je bericht is NIET verstuurd. Je tekst staat er nog. Probeer het over een paar minuten opnieuw.
message-busy = Het is nu heel druk. Je bericht is nog niet verstuurd. Je tekst staat er nog. Probeer het over een minuut opnieuw.
month-1 = januari
month-2 = februari
month-3 = maart
month-4 = april
month-5 = mei
month-6 = juni
month-7 = juli
month-8 = augustus
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december
too-many = Het is nu even te druk. Wacht { $minutes } { $minutes ->
    [one] minuut
   *[other] minuten
} en druk dan nog een keer op de knop.
too-many-kept = Je tekst staat er nog.
field-evidence = Screenshots of foto's
field-evidence-hint = Je kunt tot { $files } foto's of screenshots toevoegen, elk tot { $mib } MB. Voor we ze opslaan halen we alle verborgen gegevens eruit, zoals waar en met welke telefoon een foto is gemaakt. Wat je op de afbeelding ziet, zoals namen en gezichten, blijft wel te zien.
evidence-never-nude = Stuur nooit een naaktfoto of naaktfilmpje, ook niet als bewijs. Schrijf liever op waar het staat: welke app, welke groep of welk account.
problem-file-not-image = { $file }: dit is geen foto of screenshot die we kunnen openen. Kies een andere afbeelding.
problem-file-too-big = { $file }: dit bestand is { $size } MB. Het mag niet groter zijn dan { $max } MB. Maak een screenshot of kies een kleinere foto.
problem-file-too-many-pixels = { $file }: deze afbeelding is veel te groot. Maak er een screenshot van en stuur die.
problem-file-unreadable = { $file }: dit bestand is kapot of kwam niet helemaal aan. Probeer het nog een keer, of maak een nieuwe screenshot.
problem-file-too-many = { $file }: je kunt niet meer dan { $max } afbeeldingen tegelijk sturen. Stuur de rest later in een bericht met je code.
problem-file-busy = { $file }: het is nu heel druk. Probeer het over een minuut opnieuw.
problem-files-not-allowed = Bij dit onderwerp nemen we geen afbeeldingen aan, ook niet als bewijs. We hebben { $files } niet bewaard. Schrijf liever op waar het staat: welke app, welke groep of welk account.
problem-too-large = Alles bij elkaar was te groot om te ontvangen. Stuur minder of kleinere afbeeldingen.
files-again = Er is niets verstuurd. Je tekst staat er nog, maar je afbeeldingen moet je opnieuw kiezen: je browser kan ze niet voor je bewaren.
already-sent = Je hebt dit formulier al een keer verstuurd. Die melding is bij de school, en de code die je toen kreeg blijft werken. Druk je nu weer op "Verstuur melding", dan wordt dit een nieuwe, extra melding met een nieuwe code.
conv-attachments = { $count ->
    [one] 1 afbeelding meegestuurd
   *[other] { $count } afbeeldingen meegestuurd
}
kept-rule = Hoe lang bewaren we je melding? Is de school klaar met je melding, dan wissen we hem na { $closed ->
    [one] 1 dag
   *[other] { $closed } dagen
}. Gebeurt er { $inactive ->
    [one] 1 dag
   *[other] { $inactive } dagen
} niets met je melding, dan wissen we hem ook. Daarna werkt je code niet meer.
conv-kept-closed = De school is klaar met je melding. We wissen hem op { $date }. Wil je nog iets vertellen? Schrijf dan hieronder een bericht. Dan gaat je melding weer open.
check-maybe-deleted = Klopt de code wel? Dan is je melding misschien al gewist. Dat doen we { $closed ->
    [one] 1 dag
   *[other] { $closed } dagen
} nadat de school klaar is met een melding, of als er { $inactive ->
    [one] 1 dag
   *[other] { $inactive } dagen
} niets is gebeurd.
check-maybe-deleted-varies = Klopt de code wel? Dan is je melding misschien al gewist. Dat doen we een tijd nadat de school klaar is met een melding. Hoe lang precies, staat op de meldpagina van je school.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = Dank je wel dat je dit hebt gemeld. Dat was dapper.
reply-read = Ik heb je melding gelezen en ik neem hem serieus.
reply-when = Ik schrijf je binnen een paar schooldagen weer. Kijk dan met je code of er een bericht is.
reply-next = Ik ga eerst uitzoeken wat er is gebeurd. Ik doe niets zonder het eerst aan jou te vertellen.
