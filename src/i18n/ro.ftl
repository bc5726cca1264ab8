# Fluister — română (limbaj simplu pentru elevi între 10 și 18 ani).
#
# How this file was made: machine-drafted by an AI model (Claude, Anthropic) from nl.ftl and
# en.ftl, December 2026. It AWAITS REVIEW by a native speaker of Romanian who works with
# children. The pupil is addressed with "tu"; past-tense forms that would guess the pupil's gender
# are avoided. Plurals follow CLDR for Romanian: one, few, other ("20 de minute").
# Fixed terms (Dutch institution names, phone numbers): see glossary/ro.md.

site-name = Fluister
site-tagline = Spune-i școlii tale, fără să-ți dai numele
lang-switch-label = Limba

help-title = Este cineva în pericol chiar acum?
help-112 = Sună imediat la
help-kindertelefoon = Vrei să vorbești cu cineva? Sună sau scrie pe chat gratuit și anonim la Kindertelefoon (linia de ajutor pentru copii):
help-veilig-thuis = Acasă nu ești în siguranță? Sună gratuit la Veilig Thuis (ajutor când există violență acasă):
help-line-danger = Pericol? Sună la
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = Fluister nu ține minte cine ești și nici unde ești. Sesizarea ta este încuiată. Cheia o au doar vertrouwenspersonen (persoanele de încredere) de la școala ta.
footer-privacy-spare-key = Fluister nu ține minte cine ești și nici unde ești. Sesizarea ta este încuiată. Cheia o au vertrouwenspersonen (persoanele de încredere) de la școala ta. Consiliul de administrație al școlii păstrează și o cheie de rezervă, într-un seif. Consiliul are voie să o folosească doar dacă persoanele de încredere nu mai pot deschide singure sesizările. Asta se poate întâmpla dacă una dintre ele își pierde cheia.
footer-privacy-spare-key-some = Fluister nu ține minte cine ești și nici unde ești. Sesizarea ta este încuiată. Cheia o au vertrouwenspersonen (persoanele de încredere) de la școala ta. La unele școli, consiliul de administrație păstrează și o cheie de rezervă, într-un seif. Consiliul are voie să o folosească doar dacă persoanele de încredere nu mai pot deschide singure sesizările. Dacă școala ta are o astfel de cheie, scrie jos pe pagina de sesizări a școlii tale.

home-title = Alege-ți școala
home-intro = La ce școală vrei să spui ceva?

form-title = Spune-i școlii { $school }
form-intro = Nu trebuie să-ți scrii numele.
form-who-reads = Cine citește asta? Doar persoanele de încredere (vertrouwenspersonen) de la { $school }. Nimeni altcineva, nici măcar Fluister.
form-who-reads-spare-key = Cine citește asta? Persoanele de încredere (vertrouwenspersonen) de la { $school }. Fluister nu o citește. Dar consiliul de administrație al școlii păstrează o cheie de rezervă. Jos pe această pagină scrie pentru ce este.
form-what-next = Ce se întâmplă după aceea? Primești un cod. Cu acest cod citești mai târziu răspunsul școlii și poți povesti mai mult. De obicei răspunsul vine în câteva zile de școală.
form-submit = Trimite sesizarea
optional = (poți să lași gol)

notices-title-fix = Mai trebuie schimbat ceva. Textul tău este tot aici.
notices-title-not-sent = Sesizarea ta nu a fost trimisă încă. Textul tău este tot aici.
notices-title-already-sent = Această sesizare a fost deja trimisă.

field-category = Despre ce este vorba?
field-category-hint = Alege ce se potrivește cel mai bine. Nu ești sigur sau sigură? Atunci alege „Altceva”.
category-bullying = Bullying, hărțuire (la școală sau online)
category-threat = Cineva este amenințat
category-fight-filmed = O bătaie a fost filmată
category-images-shared = Se trimit mai departe poze sau filmulețe cu cineva dezbrăcat
category-sextortion = Cineva cere poze cu tine dezbrăcat sau amenință că le arată altora
category-reputation = Cineva este vorbit de rău, cu bârfe sau cu un cont fals
category-hacked-account = Cineva a preluat contul altcuiva (l-a spart)
category-discrimination = Cineva este tratat urât din cauza a ceea ce este (discriminare)
category-adult-contact = Un adult face ceva ce nu este în regulă
category-other = Altceva

note-images-title = Este vorba de poze sau filmulețe cu cineva dezbrăcat?
note-images = Nu trimite niciodată poza sau filmulețul mai departe, nici măcar ca dovadă. Asta este o infracțiune, chiar dacă vrei să ajuți. Spune-ne mai bine unde se află: în ce aplicație, în ce grup sau pe ce cont.
note-images-help = Ajutor ca pozele să fie scoase de pe internet:
note-adult-title = Este vorba de un adult, de exemplu cineva care lucrează la școală?
note-adult = Uneori școala trebuie atunci să ceară ajutor din afara școlii, ca să te protejeze pe tine și pe alții. Poate fi inspectoratul școlar sau poliția. Persoana de încredere (vertrouwenspersoon) îți spune întotdeauna mai întâi ce se va întâmpla.

field-description = Ce s-a întâmplat?
field-description-hint = Povestește cu cuvintele tale. Scrie cât de mult sau cât de puțin vrei.
field-where = Unde s-a întâmplat?
field-where-hint = De exemplu: în clasă, în curtea școlii, pe Snapchat, într-un grup de chat.
field-when = Când s-a întâmplat?
field-when-hint = De exemplu: ieri, de câteva săptămâni, în fiecare marți.
field-involved = Cine este implicat?
field-involved-hint = Poți să lași asta gol. Poți să scrii și doar o clasă, un grup sau numele unui cont.
field-danger = Este cineva în pericol chiar acum?
danger-yes = Da
danger-unsure = Nu știu
danger-no = Nu
danger-yes-hint = Este cineva în pericol chiar acum? Atunci nu aștepta școala: sună la 112.

problem-description-missing = Povestește în câteva cuvinte ce s-a întâmplat.
problem-too-long = Acest text are { $chars } caractere. Are voie să aibă cel mult { $max }. Fă-l puțin mai scurt. Restul îl poți trimite mai târziu cu codul tău.
problem-unknown-category = Alege un subiect din listă.
problem-unknown-danger = Alege da, nu sau nu știu.
problem-invalid-utf8 = O bucată din textul tău a ajuns stricată. Mai citește o dată textul: semnele stricate arată așa: �. Corectează-le și trimite din nou.
problem-unreadable = Browserul tău a trimis formularul într-un fel pe care nu-l putem citi. Completează formularul de mai jos și trimite-l din nou.
problem-unavailable = Ne pare rău, ceva nu a mers bine la noi. Sesizarea ta NU a fost trimisă și încă nu ai un cod. Textul tău este tot mai jos. Încearcă din nou peste câteva minute.
problem-busy = Acum este foarte aglomerat. Sesizarea ta nu a fost trimisă încă. Textul tău este tot mai jos. Încearcă din nou peste un minut.

done-title = Sesizarea ta a fost trimisă
done-danger = În sesizare scrie că cineva ar putea fi în pericol chiar acum. Nu aștepta școala. Sună la
done-code-intro = Acesta este codul tău:
done-keep-title = Păstrează-ți bine codul
done-keep-1 = Scrie-l pe hârtie sau păstrează-l într-un loc unde te uiți doar tu.
done-keep-2 = Doar cu acest cod citești răspunsul școlii. Nimeni nu îl poate căuta pentru tine și nici nu poate face unul nou.
done-keep-3 = Cine are codul tău poate citi sesizarea ta. Nu-l arăta nimănui.
done-kept = Mi-am păstrat codul
done-show-again = Arată-mi codul încă o dată

confirm-title = Ți-ai păstrat codul? Scrie-l din nou aici.
confirm-label = Codul tău
confirm-submit = Verifică-mi codul
confirm-empty = Scrie codul tău în căsuță.
confirm-wrong-length = Un cod are 16 semne. Aici sunt { $count }.
confirm-bad-symbol = Aici este un semn care nu apare niciodată într-un cod. Un cod are doar cifre și litere.
confirm-mismatch = Nu este același cod. Uită-te atent și corectează ce ai notat.
confirm-pattern-hint = Scrie din nou codul pe care tocmai îl primești. Literele mari, spațiile și liniuțele nu contează.
confirm-unknown = Nu găsim acest cod. Verifică-l și încearcă din nou.
confirm-ok-title = Codul tău funcționează
confirm-ok = Bravo! Ți-ai păstrat bine codul.
confirm-come-back = Revino peste câteva zile cu codul tău. Atunci alege sus „Citește răspunsul”.
back-home = Înapoi la prima pagină

error-not-found-title = Această pagină nu există
error-not-found = Poate adresa nu a fost scrisă corect. Mergi la prima pagină și încearcă din nou.
error-method-title = Așa nu se poate
error-method = Această pagină nu se deschide în felul acesta. Vrei să spui ceva? Mergi la prima pagină. Vrei să citești răspunsul școlii? Alege sus „Citește răspunsul”.
error-too-large-title = Textul tău este prea lung
error-too-large = Nu putem primi atât de mult text. Sesizarea ta nu a fost trimisă. Întoarce-te cu butonul „înapoi” al browserului (de obicei textul tău este tot acolo) și fă-l mai scurt. Restul îl poți trimite mai târziu cu codul tău.
error-internal-title = Ne pare rău, ceva nu a mers bine
error-internal = Ceva nu a mers bine la noi. Nu este vina ta. Încearcă din nou peste câteva minute.

nav-check = Citește răspunsul
check-title = Citește răspunsul școlii
check-intro = Scrie codul pe care îl primești când trimiți sesizarea. Literele mari, spațiile și liniuțele nu contează.
check-label = Codul tău
check-submit = Deschide sesizarea mea
check-not-found = Nu am găsit acest cod. Verifică-l și încearcă din nou.
check-lost = Ți-ai pierdut codul? Nu este vina ta, iar sesizarea ta nu s-a pierdut: școala a primit-o și se ocupă de ea. Doar că acum nu poți citi răspunsul. Vrei totuși să spui sau să întrebi ceva? Fă o sesizare nouă și scrie în ea că ți-ai pierdut codul.
check-draft-kept = Mesajul tău este tot mai jos. Nu a fost trimis încă.
conv-title = Sesizarea ta
conv-status = Stare:
status-new = primită
status-open = în lucru
status-closed = încheiată
conv-your-report = Ce ai spus pe { $date }
conv-from-pupil = Tu ai scris pe { $date }
conv-from-school = Școala a scris pe { $date }
conv-unreadable = Acest mesaj nu a putut fi deschis.
conv-no-answer = Încă nu există un răspuns. Revino peste câteva zile.
conv-write-title = Mai vrei să spui ceva?
conv-message-label = Mesajul tău
conv-send = Trimite mesajul
conv-sent = Mesajul tău a fost trimis.
conv-newest = Cel mai nou răspuns al școlii, { $date }
conv-thread = Toată conversația
conv-to-message = Scrie un mesaj
conv-not-sent = Mesajul tău nu a fost trimis încă. Textul tău este tot aici.
conv-leave = Gata? Închide această pagină. Mai folosește și altcineva telefonul sau calculatorul tău? Atunci șterge istoricul.
message-empty = Scrie mai întâi un mesaj.
message-too-long = Mesajul tău are { $chars } caractere. Are voie să aibă cel mult { $max }. Fă-l mai scurt sau trimite-l în două părți.
message-unavailable = Ne pare rău, ceva nu a mers bine la noi. Mesajul tău NU a fost trimis. Textul tău este tot aici. Încearcă din nou peste câteva minute.
message-busy = Acum este foarte aglomerat. Mesajul tău nu a fost trimis încă. Textul tău este tot aici. Încearcă din nou peste un minut.
month-1 = ianuarie
month-2 = februarie
month-3 = martie
month-4 = aprilie
month-5 = mai
month-6 = iunie
month-7 = iulie
month-8 = august
month-9 = septembrie
month-10 = octombrie
month-11 = noiembrie
month-12 = decembrie
too-many = Acum este puțin prea aglomerat. Așteaptă { $minutes ->
    [one] un minut
    [few] { $minutes } minute
   *[other] { $minutes } de minute
} și apoi apasă din nou pe buton.
too-many-kept = Textul tău este tot aici.
field-evidence = Capturi de ecran sau poze
field-evidence-hint = Poți adăuga până la { $files } poze sau capturi de ecran, fiecare de până la { $mib } MB. Înainte să le păstrăm, scoatem din ele toate datele ascunse, de exemplu unde și cu ce telefon a fost făcută o poză. Ce se vede în imagine, de exemplu nume și fețe, rămâne vizibil.
evidence-never-nude = Nu trimite niciodată o poză sau un filmuleț cu cineva dezbrăcat, nici măcar ca dovadă. Scrie mai bine unde se află: în ce aplicație, în ce grup sau pe ce cont.
problem-file-not-image = { $file }: aceasta nu este o poză sau o captură de ecran pe care o putem deschide. Alege altă imagine.
problem-file-too-big = { $file }: acest fișier are { $size } MB. Nu are voie să fie mai mare de { $max } MB. Fă o captură de ecran sau alege o poză mai mică.
problem-file-too-many-pixels = { $file }: această imagine este mult prea mare. Fă o captură de ecran a ei și trimite-o.
problem-file-unreadable = { $file }: acest fișier este stricat sau nu a ajuns întreg. Mai încearcă o dată sau fă o captură de ecran nouă.
problem-file-too-many = { $file }: nu poți trimite mai mult de { $max } imagini deodată. Trimite restul mai târziu într-un mesaj cu codul tău.
problem-file-busy = { $file }: acum este foarte aglomerat. Încearcă din nou peste un minut.
problem-files-not-allowed = La acest subiect nu primim imagini, nici măcar ca dovadă. Nu am păstrat: { $files }. Scrie mai bine unde se află: în ce aplicație, în ce grup sau pe ce cont.
problem-too-large = Totul la un loc a fost prea mare ca să-l primim. Trimite mai puține imagini sau imagini mai mici.
files-again = Nu s-a trimis nimic. Textul tău este tot aici, dar imaginile trebuie să le alegi din nou: browserul nu le poate păstra pentru tine.
already-sent = Acest formular a fost deja trimis o dată. Acea sesizare a ajuns la școală, iar codul primit atunci funcționează în continuare. Dacă apeși acum din nou pe „Trimite sesizarea”, aceasta devine o sesizare nouă, în plus, cu un cod nou.
conv-attachments = { $count ->
    [one] O imagine trimisă
    [few] { $count } imagini trimise
   *[other] { $count } de imagini trimise
}
kept-rule = Cât timp păstrăm sesizarea ta? Când școala a terminat cu sesizarea ta, o ștergem după { $closed ->
    [one] o zi
    [few] { $closed } zile
   *[other] { $closed } de zile
}. Dacă timp de { $inactive ->
    [one] o zi
    [few] { $inactive } zile
   *[other] { $inactive } de zile
} nu se întâmplă nimic cu sesizarea ta, o ștergem și atunci. După aceea codul tău nu mai funcționează.
conv-kept-closed = Școala a terminat cu sesizarea ta. O ștergem pe { $date }. Mai vrei să spui ceva? Atunci scrie un mesaj mai jos. Așa sesizarea ta se deschide din nou.
check-maybe-deleted = Codul este sigur corect? Atunci poate sesizarea ta a fost deja ștearsă. Facem asta la { $closed ->
    [one] o zi
    [few] { $closed } zile
   *[other] { $closed } de zile
} după ce școala a terminat cu o sesizare, sau dacă timp de { $inactive ->
    [one] o zi
    [few] { $inactive } zile
   *[other] { $inactive } de zile
} nu s-a întâmplat nimic.
check-maybe-deleted-varies = Codul este sigur corect? Atunci poate sesizarea ta a fost deja ștearsă. Facem asta la un timp după ce școala a terminat cu o sesizare. Cât anume, scrie pe pagina de sesizări a școlii tale.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = Îți mulțumesc că ne-ai spus asta. A fost curajos.
reply-read = Ți-am citit mesajul și îl iau în serios.
reply-when = Îți voi scrie din nou în câteva zile de școală. Verifică atunci cu codul tău dacă ai un mesaj.
reply-next = Mai întâi voi afla ce s-a întâmplat. Nu voi face nimic fără să-ți spun mai întâi.
