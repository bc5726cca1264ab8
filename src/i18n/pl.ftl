# Fluister — polski (prosty język dla uczniów w wieku od 10 do 18 lat).
#
# How this file was made: machine-drafted by an AI model (Claude, Anthropic) from nl.ftl and
# en.ftl, December 2026. It AWAITS REVIEW by a native speaker of Polish who works with children.
# The pupil is addressed with "ty"; past-tense forms that would guess the pupil's gender are
# avoided. Plurals follow CLDR for Polish: one, few, many, other.
# Fixed terms (Dutch institution names, phone numbers): see glossary/pl.md.

site-name = Fluister
site-tagline = Zgłoś coś w swojej szkole, bez podawania imienia
lang-switch-label = Język

help-title = Czy ktoś jest teraz w niebezpieczeństwie?
help-112 = Zadzwoń od razu pod numer
help-kindertelefoon = Chcesz z kimś porozmawiać? Zadzwoń albo napisz na czacie za darmo i anonimowo do Kindertelefoon (telefon zaufania dla dzieci):
help-veilig-thuis = W domu nie jest bezpiecznie? Zadzwoń za darmo do Veilig Thuis (pomoc przy przemocy w domu):
help-line-danger = Niebezpieczeństwo? Zadzwoń
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = Fluister nie zapamiętuje, kim jesteś ani gdzie jesteś. Twoje zgłoszenie jest zamknięte na klucz. Klucz mają tylko vertrouwenspersonen (osoby zaufania) w twojej szkole.
footer-privacy-spare-key = Fluister nie zapamiętuje, kim jesteś ani gdzie jesteś. Twoje zgłoszenie jest zamknięte na klucz. Klucz mają vertrouwenspersonen (osoby zaufania) w twojej szkole. Zarząd szkoły ma też zapasowy klucz, zamknięty w sejfie. Zarząd może go użyć tylko wtedy, gdy osoby zaufania same nie mogą już otworzyć zgłoszeń. Tak może się stać, gdy jedna z nich zgubi swój klucz.
footer-privacy-spare-key-some = Fluister nie zapamiętuje, kim jesteś ani gdzie jesteś. Twoje zgłoszenie jest zamknięte na klucz. Klucz mają vertrouwenspersonen (osoby zaufania) w twojej szkole. W niektórych szkołach zarząd szkoły ma też zapasowy klucz, zamknięty w sejfie. Zarząd może go użyć tylko wtedy, gdy osoby zaufania same nie mogą już otworzyć zgłoszeń. Czy twoja szkoła ma taki klucz, przeczytasz na dole strony zgłoszeń twojej szkoły.

home-title = Wybierz swoją szkołę
home-intro = W której szkole chcesz coś zgłosić?

form-title = Zgłoś to w szkole { $school }
form-intro = Nie musisz podawać swojego imienia.
form-who-reads = Kto to przeczyta? Tylko osoby zaufania (vertrouwenspersonen) ze szkoły { $school }. Nikt inny, nawet Fluister.
form-who-reads-spare-key = Kto to przeczyta? Osoby zaufania (vertrouwenspersonen) ze szkoły { $school }. Fluister tego nie czyta. Zarząd szkoły ma jednak zapasowy klucz. Na dole tej strony przeczytasz, do czego on służy.
form-what-next = Co będzie potem? Dostaniesz kod. Dzięki temu kodowi przeczytasz później odpowiedź szkoły i będziesz mógł albo mogła napisać więcej. Zwykle odpowiedź przychodzi w ciągu kilku dni szkolnych.
form-submit = Wyślij zgłoszenie
optional = (możesz zostawić puste)

notices-title-fix = Trzeba jeszcze coś zmienić. Twój tekst jest nadal tutaj.
notices-title-not-sent = Twoje zgłoszenie nie zostało jeszcze wysłane. Twój tekst jest nadal tutaj.
notices-title-already-sent = To zgłoszenie zostało już wysłane.

field-category = Czego to dotyczy?
field-category-hint = Wybierz to, co najbardziej pasuje. Nie wiesz? Wybierz „Coś innego”.
category-bullying = Dokuczanie, przemoc rówieśnicza (w szkole albo w internecie)
category-threat = Ktoś dostaje groźby
category-fight-filmed = Ktoś nagrał bójkę
category-images-shared = Ktoś rozsyła nagie zdjęcia albo filmiki innej osoby
category-sextortion = Ktoś prosi o nagie zdjęcia albo grozi, że je pokaże innym
category-reputation = Ktoś niszczy czyjąś opinię, plotkami albo fałszywym kontem
category-hacked-account = Ktoś przejął czyjeś konto (włamanie)
category-discrimination = Ktoś jest źle traktowany za to, kim jest (dyskryminacja)
category-adult-contact = Dorosły robi coś, co nie jest w porządku
category-other = Coś innego

note-images-title = Czy chodzi o nagie zdjęcia albo filmiki?
note-images = Nigdy nie przesyłaj dalej tego zdjęcia ani filmiku, nawet jako dowodu. To jest przestępstwo, nawet jeśli chcesz pomóc. Napisz nam raczej, gdzie to jest: w jakiej aplikacji, w jakiej grupie albo na jakim koncie.
note-images-help = Pomoc w usunięciu zdjęć i filmików z internetu:
note-adult-title = Czy chodzi o dorosłego, na przykład kogoś, kto pracuje w szkole?
note-adult = Czasem szkoła musi wtedy poprosić o pomoc kogoś spoza szkoły, żeby chronić ciebie i innych. Może to być inspekcja szkolna albo policja. Osoba zaufania (vertrouwenspersoon) zawsze najpierw powie ci, co się stanie.

field-description = Co się stało?
field-description-hint = Opowiedz to własnymi słowami. Napisz tyle, ile chcesz, dużo albo mało.
field-where = Gdzie to się stało?
field-where-hint = Na przykład: w klasie, na boisku szkolnym, na Snapchacie, na czacie grupowym.
field-when = Kiedy to się stało?
field-when-hint = Na przykład: wczoraj, już od kilku tygodni, w każdy wtorek.
field-involved = Kto jest w to zamieszany?
field-involved-hint = Możesz to zostawić puste. Możesz też podać tylko klasę, grupę albo nazwę konta.
field-danger = Czy ktoś jest teraz w niebezpieczeństwie?
danger-yes = Tak
danger-unsure = Nie wiem
danger-no = Nie
danger-yes-hint = Czy ktoś jest teraz w niebezpieczeństwie? Nie czekaj na szkołę: zadzwoń pod 112.

problem-description-missing = Napisz w kilku słowach, co się stało.
problem-too-long = Ten tekst ma { $chars } znaków. Może mieć najwyżej { $max }. Skróć go trochę. Resztę możesz wysłać później ze swoim kodem.
problem-unknown-category = Wybierz temat z listy.
problem-unknown-danger = Wybierz: tak, nie albo nie wiem.
problem-invalid-utf8 = Kawałek twojego tekstu doszedł zepsuty. Przeczytaj jeszcze raz swój tekst: zepsute znaki wyglądają tak: �. Popraw je i wyślij jeszcze raz.
problem-unreadable = Twoja przeglądarka wysłała formularz w sposób, którego nie umiemy odczytać. Wypełnij formularz poniżej i wyślij go jeszcze raz.
problem-unavailable = Przepraszamy, coś poszło u nas nie tak. Twoje zgłoszenie NIE zostało wysłane i nie masz jeszcze kodu. Twój tekst jest nadal poniżej. Spróbuj znowu za kilka minut.
problem-busy = Jest teraz bardzo dużo ruchu. Twoje zgłoszenie nie zostało jeszcze wysłane. Twój tekst jest nadal poniżej. Spróbuj znowu za minutę.

done-title = Twoje zgłoszenie zostało wysłane
done-danger = W zgłoszeniu jest napisane, że ktoś może być teraz w niebezpieczeństwie. Nie czekaj na szkołę. Zadzwoń pod
done-code-intro = To jest twój kod:
done-keep-title = Dobrze schowaj swój kod
done-keep-1 = Zapisz go na kartce albo schowaj w miejscu, do którego zaglądasz tylko ty.
done-keep-2 = Tylko z tym kodem przeczytasz odpowiedź szkoły. Nikt nie może go dla ciebie znaleźć ani zrobić nowego.
done-keep-3 = Kto ma twój kod, może przeczytać twoje zgłoszenie. Nikomu go nie pokazuj.
done-kept = Mój kod jest zapisany
done-show-again = Pokaż mi jeszcze raz mój kod

confirm-title = Czy twój kod jest zapisany? Przepisz go tutaj.
confirm-label = Twój kod
confirm-submit = Sprawdź mój kod
confirm-empty = Wpisz swój kod w pole.
confirm-wrong-length = Kod ma 16 znaków. Wpisanych jest { $count }.
confirm-bad-symbol = Jest tu znak, którego nigdy nie ma w kodzie. Kod ma tylko cyfry i litery.
confirm-mismatch = To nie jest ten sam kod. Popatrz uważnie i popraw to, co jest zapisane.
confirm-pattern-hint = Przepisz kod, który przed chwilą się pojawił. Wielkie litery, spacje i kreski nie mają znaczenia.
confirm-unknown = Nie możemy znaleźć tego kodu. Sprawdź go i spróbuj znowu.
confirm-ok-title = Twój kod działa
confirm-ok = Super! Twój kod jest dobrze zapisany.
confirm-come-back = Wróć za kilka dni ze swoim kodem. Wybierz wtedy na górze „Czytaj odpowiedź”.
back-home = Do strony głównej

error-not-found-title = Ta strona nie istnieje
error-not-found = Może adres jest źle przepisany. Idź do strony głównej i spróbuj znowu.
error-method-title = Tak się nie da
error-method = Tej strony nie otwiera się w ten sposób. Chcesz coś zgłosić? Idź do strony głównej. Chcesz przeczytać odpowiedź szkoły? Wybierz na górze „Czytaj odpowiedź”.
error-too-large-title = Twój tekst jest za długi
error-too-large = Nie możemy przyjąć aż tyle tekstu. Twoje zgłoszenie nie zostało wysłane. Wróć przyciskiem „wstecz” w przeglądarce (twój tekst zwykle tam jest) i skróć go. Resztę możesz wysłać później ze swoim kodem.
error-internal-title = Przepraszamy, coś poszło nie tak
error-internal = Coś poszło u nas nie tak. To nie twoja wina. Spróbuj znowu za kilka minut.

nav-check = Czytaj odpowiedź
check-title = Przeczytaj odpowiedź szkoły
check-intro = Wpisz kod, który dostajesz po wysłaniu zgłoszenia. Wielkie litery, spacje i kreski nie mają znaczenia.
check-label = Twój kod
check-submit = Otwórz moje zgłoszenie
check-not-found = Nie znaleźliśmy tego kodu. Sprawdź go i spróbuj znowu.
check-lost = Zgubiony kod? To nie twoja wina i twoje zgłoszenie nie zginęło: szkoła je dostała i się nim zajmuje. Tylko nie możesz teraz przeczytać odpowiedzi. Chcesz mimo to coś powiedzieć albo o coś zapytać? Zrób nowe zgłoszenie i dopisz, że kod zginął.
check-draft-kept = Twoja wiadomość jest nadal poniżej. Nie została jeszcze wysłana.
conv-title = Twoje zgłoszenie
conv-status = Stan:
status-new = otrzymane
status-open = w trakcie
status-closed = zakończone
conv-your-report = Twoje zgłoszenie z { $date }
conv-from-pupil = Twoja wiadomość z { $date }
conv-from-school = Szkoła napisała { $date }
conv-unreadable = Nie udało się otworzyć tej wiadomości.
conv-no-answer = Nie ma jeszcze odpowiedzi. Wróć za kilka dni.
conv-write-title = Chcesz jeszcze coś powiedzieć?
conv-message-label = Twoja wiadomość
conv-send = Wyślij wiadomość
conv-sent = Twoja wiadomość została wysłana.
conv-newest = Najnowsza odpowiedź szkoły, { $date }
conv-thread = Cała rozmowa
conv-to-message = Napisz wiadomość
conv-not-sent = Twoja wiadomość nie została jeszcze wysłana. Twój tekst jest nadal tutaj.
conv-leave = Gotowe? Zamknij tę stronę. Czy ktoś inny też używa twojego telefonu albo komputera? Wtedy usuń historię przeglądania.
message-empty = Najpierw napisz wiadomość.
message-too-long = Twoja wiadomość ma { $chars } znaków. Może mieć najwyżej { $max }. Skróć ją albo wyślij w dwóch częściach.
message-unavailable = Przepraszamy, coś poszło u nas nie tak. Twoja wiadomość NIE została wysłana. Twój tekst jest nadal tutaj. Spróbuj znowu za kilka minut.
message-busy = Jest teraz bardzo dużo ruchu. Twoja wiadomość nie została jeszcze wysłana. Twój tekst jest nadal tutaj. Spróbuj znowu za minutę.
month-1 = stycznia
month-2 = lutego
month-3 = marca
month-4 = kwietnia
month-5 = maja
month-6 = czerwca
month-7 = lipca
month-8 = sierpnia
month-9 = września
month-10 = października
month-11 = listopada
month-12 = grudnia
too-many = Jest teraz trochę za dużo ruchu. Poczekaj { $minutes } { $minutes ->
    [one] minutę
    [few] minuty
    [many] minut
   *[other] minuty
} i wtedy naciśnij przycisk jeszcze raz.
too-many-kept = Twój tekst jest nadal tutaj.
field-evidence = Zrzuty ekranu albo zdjęcia
field-evidence-hint = Możesz dodać do { $files } zdjęć albo zrzutów ekranu, każde do { $mib } MB. Zanim je zapiszemy, usuwamy z nich wszystkie ukryte dane, na przykład gdzie i jakim telefonem zrobiono zdjęcie. To, co widać na obrazku, na przykład imiona i twarze, nadal będzie widać.
evidence-never-nude = Nigdy nie wysyłaj nagiego zdjęcia ani filmiku, nawet jako dowodu. Napisz raczej, gdzie to jest: w jakiej aplikacji, w jakiej grupie albo na jakim koncie.
problem-file-not-image = { $file }: to nie jest zdjęcie ani zrzut ekranu, który umiemy otworzyć. Wybierz inny obrazek.
problem-file-too-big = { $file }: ten plik ma { $size } MB. Może mieć najwyżej { $max } MB. Zrób zrzut ekranu albo wybierz mniejsze zdjęcie.
problem-file-too-many-pixels = { $file }: ten obrazek jest o wiele za duży. Zrób z niego zrzut ekranu i wyślij go.
problem-file-unreadable = { $file }: ten plik jest uszkodzony albo nie doszedł cały. Spróbuj jeszcze raz albo zrób nowy zrzut ekranu.
problem-file-too-many = { $file }: nie możesz wysłać więcej niż { $max } obrazków naraz. Resztę wyślij później w wiadomości ze swoim kodem.
problem-file-busy = { $file }: jest teraz bardzo dużo ruchu. Spróbuj znowu za minutę.
problem-files-not-allowed = Przy tym temacie nie przyjmujemy obrazków, nawet jako dowodu. Nie zapisaliśmy: { $files }. Napisz raczej, gdzie to jest: w jakiej aplikacji, w jakiej grupie albo na jakim koncie.
problem-too-large = Wszystko razem było za duże, żeby to przyjąć. Wyślij mniej albo mniejsze obrazki.
files-again = Nic nie zostało wysłane. Twój tekst jest nadal tutaj, ale obrazki musisz wybrać jeszcze raz: przeglądarka nie może ich dla ciebie zachować.
already-sent = Ten formularz był już raz wysłany. Tamto zgłoszenie jest w szkole, a kod, który wtedy przyszedł, nadal działa. Jeśli teraz znowu naciśniesz „Wyślij zgłoszenie”, powstanie nowe, dodatkowe zgłoszenie z nowym kodem.
conv-attachments = { $count ->
    [one] Dołączono 1 obrazek
    [few] Dołączono { $count } obrazki
    [many] Dołączono { $count } obrazków
   *[other] Dołączono { $count } obrazka
}
kept-rule = Jak długo przechowujemy twoje zgłoszenie? Kiedy szkoła skończy zajmować się twoim zgłoszeniem, usuwamy je po { $closed ->
    [one] 1 dniu
   *[other] { $closed } dniach
}. Jeśli przez { $inactive ->
    [one] 1 dzień
   *[other] { $inactive } dni
} nic się nie dzieje z twoim zgłoszeniem, też je usuwamy. Potem twój kod już nie działa.
conv-kept-closed = Szkoła skończyła zajmować się twoim zgłoszeniem. Usuniemy je { $date }. Chcesz jeszcze coś powiedzieć? Napisz wiadomość poniżej. Wtedy twoje zgłoszenie znowu się otworzy.
check-maybe-deleted = Czy kod na pewno jest dobry? To może twoje zgłoszenie jest już usunięte. Robimy to { $closed ->
    [one] 1 dzień
   *[other] { $closed } dni
} po tym, jak szkoła skończy zajmować się zgłoszeniem, albo jeśli przez { $inactive ->
    [one] 1 dzień
   *[other] { $inactive } dni
} nic się nie działo.
check-maybe-deleted-varies = Czy kod na pewno jest dobry? To może twoje zgłoszenie jest już usunięte. Robimy to jakiś czas po tym, jak szkoła skończy zajmować się zgłoszeniem. Ile dokładnie, jest napisane na stronie zgłoszeń twojej szkoły.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = Dziękuję za to zgłoszenie. To było odważne.
reply-read = Twoje zgłoszenie jest już przeczytane. Traktuję je poważnie.
reply-when = Napiszę do ciebie w ciągu kilku dni szkolnych. Sprawdź wtedy swoim kodem, czy jest wiadomość.
reply-next = Najpierw sprawdzę, co się stało. Nic nie zrobię, zanim ci o tym nie powiem.
