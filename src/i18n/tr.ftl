# Fluister — Türkçe (10-18 yaş arası öğrenciler için sade dil).
#
# How this file was made: machine-drafted by an AI model (Claude, Anthropic) from nl.ftl and
# en.ftl, December 2026. It AWAITS REVIEW by a native speaker of Turkish who works with children.
# The pupil is addressed with "sen". Turkish keeps the noun singular after a number ("5 dakika"),
# so the plural selectors of nl.ftl are not needed here.
# Fixed terms (Dutch institution names, phone numbers): see glossary/tr.md.

site-name = Fluister
site-tagline = Okuluna isim vermeden bildir
lang-switch-label = Dil

help-title = Şu anda birisi tehlikede mi?
help-112 = Hemen ara
help-kindertelefoon = Biriyle konuşmak mı istiyorsun? Kindertelefoon (çocuklar için yardım hattı) ile ücretsiz ve isim vermeden konuş ya da yazış:
help-veilig-thuis = Evde güvende değil misin? Veilig Thuis'i (evde şiddet için yardım merkezi) ücretsiz ara:
help-line-danger = Tehlike mi var? Ara
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = Fluister kim olduğunu ve nerede olduğunu hatırlamaz. Bildirimin kilitlenir. Anahtar sadece okulundaki vertrouwenspersoon'larda (güven kişisi) var.
footer-privacy-spare-key = Fluister kim olduğunu ve nerede olduğunu hatırlamaz. Bildirimin kilitlenir. Anahtar okulundaki vertrouwenspersoon'larda (güven kişileri) var. Okul yönetim kurulu da bir kasada yedek bir anahtar saklar. Kurul bu anahtarı sadece güven kişileri bildirimleri artık kendileri açamadığında kullanabilir. Bu, örneğin bir güven kişisi anahtarını kaybettiğinde olabilir.
footer-privacy-spare-key-some = Fluister kim olduğunu ve nerede olduğunu hatırlamaz. Bildirimin kilitlenir. Anahtar okulundaki vertrouwenspersoon'larda (güven kişileri) var. Bazı okullarda okul yönetim kurulu da bir kasada yedek bir anahtar saklar. Kurul bu anahtarı sadece güven kişileri bildirimleri artık kendileri açamadığında kullanabilir. Okulunun yedek anahtarı olup olmadığını, okulunun bildirim sayfasının en altında okuyabilirsin.

home-title = Okulunu seç
home-intro = Hangi okula bir şey bildirmek istiyorsun?

form-title = { $school } okuluna bildir
form-intro = Adını yazmak zorunda değilsin.
form-who-reads = Bunu kim okur? Sadece { $school } okulunun güven kişileri (vertrouwenspersonen). Başka kimse okumaz, Fluister bile.
form-who-reads-spare-key = Bunu kim okur? { $school } okulunun güven kişileri (vertrouwenspersonen). Fluister okumaz. Ama okul yönetim kurulunun yedek bir anahtarı var. Ne için olduğunu bu sayfanın en altında okuyabilirsin.
form-what-next = Sonra ne olur? Bir kod alırsın. Bu kodla daha sonra okulun cevabını okursun ve daha fazlasını anlatabilirsin. Cevap genelde birkaç okul günü içinde gelir.
form-submit = Bildirimi gönder
optional = (boş bırakabilirsin)

notices-title-fix = Hâlâ bir şeyi değiştirmen gerekiyor. Yazdıkların duruyor.
notices-title-not-sent = Bildirimin henüz gönderilmedi. Yazdıkların duruyor.
notices-title-already-sent = Bu bildirim zaten gönderilmişti.

field-category = Konu ne?
field-category-hint = En uygun olanı seç. Emin değil misin? O zaman "Başka bir şey"i seç.
category-bullying = Zorbalık (okulda ya da internette)
category-threat = Birisi tehdit ediliyor
category-fight-filmed = Bir kavga videoya çekildi
category-images-shared = Birinin çıplak fotoğrafları ya da videoları dolaştırılıyor
category-sextortion = Birisi çıplak fotoğraf istiyor ya da onları paylaşmakla tehdit ediyor
category-reputation = Birinin adı kötüye çıkarılıyor, dedikoduyla ya da sahte bir hesapla
category-hacked-account = Birisi bir hesabı ele geçirdi (hackledi)
category-discrimination = Birisi kim olduğu yüzünden kötü davranış görüyor (ayrımcılık)
category-adult-contact = Bir yetişkin doğru olmayan bir şey yapıyor
category-other = Başka bir şey

note-images-title = Konu çıplak fotoğraflar ya da videolar mı?
note-images = Fotoğrafı ya da videoyu asla başkasına gönderme, kanıt olarak bile. Bu suçtur, yardım etmek istesen bile. Bize onun nerede olduğunu anlat: hangi uygulama, hangi grup ya da hangi hesap.
note-images-help = Görüntüleri internetten kaldırtmak için yardım:
note-adult-title = Konu bir yetişkin mi, örneğin okulda çalışan biri?
note-adult = O zaman okul bazen seni ve başkalarını korumak için okul dışından yardım istemek zorundadır. Bu eğitim müfettişliği ya da polis olabilir. Güven kişisi (vertrouwenspersoon) sana her zaman önce ne olacağını anlatır.

field-description = Ne oldu?
field-description-hint = Kendi kelimelerinle anlat. İstediğin kadar çok ya da az yaz.
field-where = Nerede oldu?
field-where-hint = Örneğin: sınıfta, okul bahçesinde, Snapchat'te, bir grup sohbetinde.
field-when = Ne zaman oldu?
field-when-hint = Örneğin: dün, birkaç haftadır, her salı.
field-involved = Kimler işin içinde?
field-involved-hint = Bunu boş bırakabilirsin. Sadece bir sınıf, bir grup ya da bir hesap adı da yazabilirsin.
field-danger = Şu anda birisi tehlikede mi?
danger-yes = Evet
danger-unsure = Bilmiyorum
danger-no = Hayır
danger-yes-hint = Şu anda birisi tehlikede mi? O zaman okulu bekleme: 112'yi ara.

problem-description-missing = Ne olduğunu birkaç kelimeyle anlat.
problem-too-long = Bu metinde { $chars } karakter var. En fazla { $max } olabilir. Biraz kısalt. Gerisini daha sonra kodunla gönderebilirsin.
problem-unknown-category = Listeden bir konu seç.
problem-unknown-danger = Evet, hayır ya da bilmiyorum seç.
problem-invalid-utf8 = Yazının bir parçası bozuk geldi. Yazını bir daha oku: bozulan harfleri � olarak görürsün. Onları düzelt ve yeniden gönder.
problem-unreadable = Tarayıcın formu bizim okuyamadığımız bir şekilde gönderdi. Aşağıdaki formu doldur ve yeniden gönder.
problem-unavailable = Özür dileriz, bizde bir sorun oldu. Bildirimin GÖNDERİLMEDİ ve henüz bir kodun yok. Yazdıkların aşağıda duruyor. Birkaç dakika sonra yeniden dene.
problem-busy = Şu anda çok yoğun. Bildirimin henüz gönderilmedi. Yazdıkların aşağıda duruyor. Bir dakika sonra yeniden dene.

done-title = Bildirimin gönderildi
done-danger = Şu anda birinin tehlikede olabileceğini yazdın. Okulu bekleme. Ara
done-code-intro = Kodun bu:
done-keep-title = Kodunu iyi sakla
done-keep-1 = Kâğıda yaz ya da sadece senin baktığın bir yerde sakla.
done-keep-2 = Okulun cevabını sadece bu kodla okuyabilirsin. Kimse onu senin için bulamaz ya da yeniden yapamaz.
done-keep-3 = Kodun kimde varsa bildirimini okuyabilir. Kimseye gösterme.
done-kept = Kodumu sakladım
done-show-again = Kodumu bir kez daha göster

confirm-title = Kodunu sakladın mı? Buraya tekrar yaz.
confirm-label = Kodun
confirm-submit = Kodumu kontrol et
confirm-empty = Kodunu kutuya yaz.
confirm-wrong-length = Bir kodda 16 karakter var. Sen { $count } tane yazdın.
confirm-bad-symbol = İçinde bir kodda hiç olmayan bir işaret var. Bir kodda sadece rakamlar ve harfler var.
confirm-mismatch = Bu aynı kod değil. İyi bak ve yazdığını düzelt.
confirm-pattern-hint = Az önce aldığın kodu yaz. Büyük harf, boşluk ve tire fark etmez.
confirm-unknown = Bu kodu bulamıyoruz. Kontrol et ve yeniden dene.
confirm-ok-title = Kodun çalışıyor
confirm-ok = Aferin! Kodunu iyi sakladın.
confirm-come-back = Birkaç gün sonra kodunla geri gel. O zaman yukarıda "Cevabı oku"yu seç.
back-home = Ana sayfaya dön

error-not-found-title = Bu sayfa yok
error-not-found = Adres belki yanlış yazıldı. Ana sayfaya git ve yeniden dene.
error-method-title = Bu şekilde olmuyor
error-method = Bu sayfa bu şekilde açılmaz. Bir şey bildirmek mi istiyorsun? Ana sayfaya git. Okulun cevabını mı okumak istiyorsun? Yukarıda "Cevabı oku"yu seç.
error-too-large-title = Yazın çok uzun
error-too-large = Bu kadar çok yazıyı alamıyoruz. Bildirimin gönderilmedi. Tarayıcının geri tuşuyla geri dön (yazın genelde orada duruyor) ve kısalt. Gerisini daha sonra kodunla gönderebilirsin.
error-internal-title = Özür dileriz, bir sorun oldu
error-internal = Bizde bir sorun oldu. Senin suçun değil. Birkaç dakika sonra yeniden dene.

nav-check = Cevabı oku
check-title = Okulun cevabını oku
check-intro = Bildirimini gönderdiğinde aldığın kodu yaz. Büyük harf, boşluk ve tire fark etmez.
check-label = Kodun
check-submit = Bildirimimi aç
check-not-found = Bu kodu bulamadık. Kontrol et ve yeniden dene.
check-lost = Kodunu mu kaybettin? Bu senin suçun değil ve bildirimin kaybolmadı: okul onu aldı ve onunla ilgileniyor. Sadece cevabı şimdi okuyamazsın. Yine de bir şey anlatmak ya da sormak mı istiyorsun? Yeni bir bildirim yap ve kodunu kaybettiğini yaz.
check-draft-kept = Mesajın aşağıda duruyor. Henüz gönderilmedi.
conv-title = Bildirimin
conv-status = Durum:
status-new = alındı
status-open = ilgileniliyor
status-closed = bitti
conv-your-report = { $date } tarihinde bildirdiklerin
conv-from-pupil = { $date } tarihinde sen yazdın
conv-from-school = { $date } tarihinde okul yazdı
conv-unreadable = Bu mesaj açılamadı.
conv-no-answer = Henüz cevap yok. Birkaç gün sonra geri gel.
conv-write-title = Başka bir şey anlatmak ister misin?
conv-message-label = Mesajın
conv-send = Mesajı gönder
conv-sent = Mesajın gönderildi.
conv-newest = Okulun en yeni cevabı, { $date }
conv-thread = Bütün konuşma
conv-to-message = Mesaj yaz
conv-not-sent = Mesajın henüz gönderilmedi. Yazdıkların duruyor.
conv-leave = Bitti mi? Bu sayfayı kapat. Telefonunu ya da bilgisayarını başkası da kullanıyor mu? O zaman geçmişini sil.
message-empty = Önce bir mesaj yaz.
message-too-long = Mesajında { $chars } karakter var. En fazla { $max } olabilir. Kısalt ya da iki parça halinde gönder.
message-unavailable = Özür dileriz, bizde bir sorun oldu. Mesajın GÖNDERİLMEDİ. Yazdıkların duruyor. Birkaç dakika sonra yeniden dene.
message-busy = Şu anda çok yoğun. Mesajın henüz gönderilmedi. Yazdıkların duruyor. Bir dakika sonra yeniden dene.
month-1 = Ocak
month-2 = Şubat
month-3 = Mart
month-4 = Nisan
month-5 = Mayıs
month-6 = Haziran
month-7 = Temmuz
month-8 = Ağustos
month-9 = Eylül
month-10 = Ekim
month-11 = Kasım
month-12 = Aralık
too-many = Şu anda biraz fazla yoğun. { $minutes } dakika bekle, sonra düğmeye bir daha bas.
too-many-kept = Yazdıkların duruyor.
field-evidence = Ekran görüntüleri ya da fotoğraflar
field-evidence-hint = En fazla { $files } fotoğraf ya da ekran görüntüsü ekleyebilirsin, her biri en fazla { $mib } MB. Onları saklamadan önce içlerindeki bütün gizli bilgileri sileriz, örneğin fotoğrafın nerede ve hangi telefonla çekildiği gibi. Resimde görünenler, örneğin isimler ve yüzler, görünmeye devam eder.
evidence-never-nude = Asla çıplak fotoğraf ya da video gönderme, kanıt olarak bile. Onun yerine nerede olduğunu yaz: hangi uygulama, hangi grup ya da hangi hesap.
problem-file-not-image = { $file }: bu açabildiğimiz bir fotoğraf ya da ekran görüntüsü değil. Başka bir resim seç.
problem-file-too-big = { $file }: bu dosya { $size } MB. { $max } MB'tan büyük olamaz. Bir ekran görüntüsü al ya da daha küçük bir fotoğraf seç.
problem-file-too-many-pixels = { $file }: bu resim çok fazla büyük. Ekran görüntüsünü al ve onu gönder.
problem-file-unreadable = { $file }: bu dosya bozuk ya da tam gelmedi. Bir daha dene ya da yeni bir ekran görüntüsü al.
problem-file-too-many = { $file }: aynı anda { $max } resimden fazla gönderemezsin. Gerisini daha sonra kodunla bir mesajda gönder.
problem-file-busy = { $file }: şu anda çok yoğun. Bir dakika sonra yeniden dene.
problem-files-not-allowed = Bu konuda resim kabul etmiyoruz, kanıt olarak bile. { $files } saklamadık. Onun yerine nerede olduğunu yaz: hangi uygulama, hangi grup ya da hangi hesap.
problem-too-large = Hepsi birlikte almak için çok büyüktü. Daha az ya da daha küçük resim gönder.
files-again = Hiçbir şey gönderilmedi. Yazdıkların duruyor, ama resimlerini yeniden seçmen gerekiyor: tarayıcın onları senin için saklayamaz.
already-sent = Bu formu zaten bir kez gönderdin. O bildirim okula ulaştı ve o zaman aldığın kod çalışmaya devam ediyor. Şimdi yeniden "Bildirimi gönder"e basarsan, bu yeni kodlu yeni, ek bir bildirim olur.
conv-attachments = { $count } resim eklendi
kept-rule = Bildirimini ne kadar saklıyoruz? Okul bildiriminle işini bitirdiğinde, onu { $closed } gün sonra sileriz. Bildiriminle { $inactive } gün boyunca hiçbir şey olmazsa, onu yine sileriz. Ondan sonra kodun artık çalışmaz.
conv-kept-closed = Okul bildiriminle işini bitirdi. Onu { $date } tarihinde sileceğiz. Başka bir şey anlatmak ister misin? O zaman aşağıya bir mesaj yaz. Böylece bildirimin yeniden açılır.
check-maybe-deleted = Kod doğru mu? O zaman bildirimin belki silindi. Bunu okul bir bildirimle işini bitirdikten { $closed } gün sonra ya da { $inactive } gün boyunca hiçbir şey olmadığında yaparız.
check-maybe-deleted-varies = Kod doğru mu? O zaman bildirimin belki silindi. Bunu okul bir bildirimle işini bitirdikten bir süre sonra yaparız. Tam ne kadar sonra olduğu, okulunun bildirim sayfasında yazıyor.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = Bunu bildirdiğin için teşekkür ederim. Bu cesurcaydı.
reply-read = Bildirimini okudum ve onu ciddiye alıyorum.
reply-when = Birkaç okul günü içinde sana tekrar yazacağım. O zaman kodunla bir mesaj olup olmadığına bak.
reply-next = Önce ne olduğunu öğreneceğim. Sana önce söylemeden hiçbir şey yapmayacağım.
