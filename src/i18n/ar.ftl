# Fluister — العربية (لغة بسيطة لتلاميذ من 10 إلى 18 سنة).
#
# How this file was made: machine-drafted by an AI model (Claude, Anthropic) from nl.ftl and
# en.ftl, December 2026. It AWAITS REVIEW by a native speaker of Arabic who works with children
# (e.g. an ISK teacher or youth worker). Modern Standard Arabic, kept short and plain; the pupil is
# addressed with the masculine singular as is usual, a reviewer may prefer neutral wording.
# Fixed terms (Dutch institution names, phone numbers): see glossary/ar.md.

site-name = Fluister
site-tagline = أخبر مدرستك بما حدث، دون أن تذكر اسمك
lang-switch-label = اللغة

help-title = هل هناك شخص في خطر الآن؟
help-112 = اتصل فورًا بالرقم
help-kindertelefoon = هل تريد أن تتحدث مع أحد؟ اتصل أو دردش مجانًا ودون ذكر اسمك مع Kindertelefoon (هاتف الأطفال):
help-veilig-thuis = هل البيت غير آمن؟ اتصل مجانًا بـ Veilig Thuis (مكتب المساعدة عند العنف في البيت):
help-line-danger = خطر؟ اتصل بالرقم
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = لا يحفظ Fluister من أنت ولا أين أنت. رسالتك تُقفَل. المفتاح موجود فقط عند الـ vertrouwenspersoon (الشخص الموثوق) في مدرستك.
footer-privacy-spare-key = لا يحفظ Fluister من أنت ولا أين أنت. رسالتك تُقفَل. المفتاح عند الـ vertrouwenspersonen (الأشخاص الموثوقين) في مدرستك. ومجلس إدارة المدرسة يحتفظ أيضًا بمفتاح احتياطي في خزنة. لا يحق للمجلس أن يستعمله إلا إذا لم يعد الأشخاص الموثوقون يستطيعون فتح الرسائل بأنفسهم. قد يحدث هذا إذا أضاع أحدهم مفتاحه.
footer-privacy-spare-key-some = لا يحفظ Fluister من أنت ولا أين أنت. رسالتك تُقفَل. المفتاح عند الـ vertrouwenspersonen (الأشخاص الموثوقين) في مدرستك. في بعض المدارس يحتفظ مجلس إدارة المدرسة أيضًا بمفتاح احتياطي في خزنة. لا يحق للمجلس أن يستعمله إلا إذا لم يعد الأشخاص الموثوقون يستطيعون فتح الرسائل بأنفسهم. هل عند مدرستك مفتاح احتياطي؟ هذا مكتوب في أسفل صفحة الإخبار لمدرستك.

home-title = اختر مدرستك
home-intro = في أي مدرسة تريد أن تخبر عن شيء؟

form-title = أخبر { $school }
form-intro = لا تحتاج أن تكتب اسمك.
form-who-reads = من يقرأ هذا؟ فقط الأشخاص الموثوقون (vertrouwenspersonen) في { $school }. لا أحد غيرهم، ولا حتى Fluister.
form-who-reads-spare-key = من يقرأ هذا؟ الأشخاص الموثوقون (vertrouwenspersonen) في { $school }. Fluister لا يقرؤه. لكن مجلس إدارة المدرسة يحتفظ بمفتاح احتياطي. في أسفل هذه الصفحة تعرف ما فائدته.
form-what-next = ماذا يحدث بعد ذلك؟ ستحصل على رمز. بهذا الرمز تقرأ لاحقًا جواب المدرسة، ويمكنك أن تحكي أكثر. في العادة يأتي الجواب خلال بضعة أيام دراسية.
form-submit = أرسل الرسالة
optional = (يمكنك أن تتركه فارغًا)

notices-title-fix = يجب أن تغيّر شيئًا بعد. نصّك ما زال هنا.
notices-title-not-sent = رسالتك لم تُرسَل بعد. نصّك ما زال هنا.
notices-title-already-sent = هذه الرسالة أُرسلت من قبل.

field-category = عن ماذا تتحدث؟
field-category-hint = اختر الأقرب لما حدث. لست متأكدًا؟ اختر «شيء آخر».
category-bullying = تنمّر (في المدرسة أو على الإنترنت)
category-threat = شخص يتعرّض للتهديد
category-fight-filmed = تم تصوير شجار
category-images-shared = صور أو فيديوهات عارية لشخص ما تُنشَر
category-sextortion = شخص يطلب صورًا عارية، أو يهدد بنشرها
category-reputation = شخص يُشوَّه اسمه، بالإشاعات أو بحساب مزيف
category-hacked-account = شخص سيطر على حساب ليس له (اختراق)
category-discrimination = شخص يُعامَل بسوء بسبب من هو (تمييز)
category-adult-contact = شخص بالغ يفعل شيئًا غير مقبول
category-other = شيء آخر

note-images-title = هل الأمر عن صور أو فيديوهات عارية؟
note-images = لا ترسل الصورة أو الفيديو لأحد أبدًا، ولا حتى كدليل. هذا ممنوع في القانون، حتى لو أردت المساعدة. أخبرنا بدلًا من ذلك أين هي: أي تطبيق، أي مجموعة، أو أي حساب.
note-images-help = مساعدة لحذف الصور من الإنترنت:
note-adult-title = هل الأمر عن شخص بالغ، مثلًا شخص يعمل في المدرسة؟
note-adult = أحيانًا يجب على المدرسة عندها أن تطلب مساعدة من خارج المدرسة، لتحميك وتحمي غيرك. قد تكون هذه هيئة التفتيش على التعليم، أو الشرطة. الشخص الموثوق (vertrouwenspersoon) يخبرك دائمًا أولًا بما سيحدث.

field-description = ماذا حدث؟
field-description-hint = احكِ بكلماتك أنت. اكتب كثيرًا أو قليلًا، كما تريد.
field-where = أين حدث ذلك؟
field-where-hint = مثلًا: في الصف، في ساحة المدرسة، على سناب شات، في مجموعة دردشة.
field-when = متى حدث ذلك؟
field-when-hint = مثلًا: أمس، منذ بضعة أسابيع، كل يوم ثلاثاء.
field-involved = من له علاقة بالأمر؟
field-involved-hint = يمكنك أن تترك هذا فارغًا. ويمكنك أيضًا أن تذكر فقط صفًّا أو مجموعة أو اسم حساب.
field-danger = هل هناك شخص في خطر الآن؟
danger-yes = نعم
danger-unsure = لا أعرف
danger-no = لا
danger-yes-hint = هل هناك شخص في خطر الآن؟ لا تنتظر المدرسة: اتصل بالرقم 112.

problem-description-missing = احكِ ببضع كلمات ماذا حدث.
problem-too-long = في هذا النص { $chars } حرفًا. المسموح { $max }. اجعله أقصر قليلًا. الباقي يمكنك أن ترسله لاحقًا برمزك.
problem-unknown-category = اختر موضوعًا من القائمة.
problem-unknown-danger = اختر نعم، أو لا، أو لا أعرف.
problem-invalid-utf8 = جزء من نصّك وصل مكسورًا. اقرأ نصّك مرة أخرى: الحروف التي فسدت تظهر هكذا �. صحّحها وأرسل من جديد.
problem-unreadable = متصفحك أرسل الاستمارة بطريقة لا نستطيع قراءتها. املأ الاستمارة في الأسفل وأرسلها من جديد.
problem-unavailable = آسفون، حدث خطأ عندنا. رسالتك لم تُرسَل، وليس عندك رمز بعد. نصّك ما زال في الأسفل. جرّب مرة أخرى بعد بضع دقائق.
problem-busy = هناك ضغط كبير الآن. رسالتك لم تُرسَل بعد. نصّك ما زال في الأسفل. جرّب مرة أخرى بعد دقيقة.

done-title = تم إرسال رسالتك
done-danger = كتبتَ أن شخصًا ربما يكون في خطر الآن. لا تنتظر المدرسة. اتصل بالرقم
done-code-intro = هذا هو رمزك:
done-keep-title = احفظ رمزك جيدًا
done-keep-1 = اكتبه على ورقة، أو احفظه في مكان لا ينظر إليه أحد غيرك.
done-keep-2 = فقط بهذا الرمز تقرأ جواب المدرسة. لا أحد يستطيع أن يبحث عنه لك أو يصنعه من جديد.
done-keep-3 = من معه رمزك يستطيع أن يقرأ رسالتك. لا تُرِه لأحد.
done-kept = حفظتُ رمزي
done-show-again = أرِني رمزي مرة أخرى

confirm-title = هل حفظت رمزك؟ اكتبه هنا مرة أخرى.
confirm-label = رمزك
confirm-submit = تحقّق من رمزي
confirm-empty = اكتب رمزك في المربع.
confirm-wrong-length = الرمز فيه 16 حرفًا. أنت كتبت { $count }.
confirm-bad-symbol = فيه علامة لا تكون أبدًا في الرمز. الرمز فيه أرقام وحروف فقط.
confirm-mismatch = هذا ليس نفس الرمز. انظر جيدًا وصحّح ما كتبته.
confirm-pattern-hint = اكتب الرمز الذي حصلت عليه للتو. الحروف الكبيرة والمسافات والشرطات لا تهم.
confirm-unknown = لا نجد هذا الرمز. تحقّق منه وجرّب مرة أخرى.
confirm-ok-title = رمزك يعمل
confirm-ok = أحسنت! حفظت رمزك جيدًا.
confirm-come-back = ارجع بعد بضعة أيام ومعك رمزك. اختر عندها في الأعلى «اقرأ الجواب».
back-home = إلى الصفحة الأولى

error-not-found-title = هذه الصفحة غير موجودة
error-not-found = ربما كُتب العنوان بشكل خاطئ. اذهب إلى الصفحة الأولى وجرّب مرة أخرى.
error-method-title = لا يمكن بهذه الطريقة
error-method = لا تُفتح هذه الصفحة بهذه الطريقة. تريد أن تخبر عن شيء؟ اذهب إلى الصفحة الأولى. تريد أن تقرأ جواب المدرسة؟ اختر في الأعلى «اقرأ الجواب».
error-too-large-title = نصّك طويل جدًا
error-too-large = لا نستطيع أن نستقبل كل هذا النص. رسالتك لم تُرسَل. ارجع بزر الرجوع في متصفحك (في العادة يكون نصّك ما زال هناك) واجعله أقصر. الباقي يمكنك أن ترسله لاحقًا برمزك.
error-internal-title = آسفون، حدث خطأ
error-internal = حدث خطأ عندنا. ليس بسببك. جرّب مرة أخرى بعد بضع دقائق.

nav-check = اقرأ الجواب
check-title = اقرأ جواب المدرسة
check-intro = اكتب الرمز الذي حصلت عليه عندما أرسلت رسالتك. الحروف الكبيرة والمسافات والشرطات لا تهم.
check-label = رمزك
check-submit = افتح رسالتي
check-not-found = لم نجد هذا الرمز. تحقّق منه وجرّب مرة أخرى.
check-lost = أضعت رمزك؟ هذا ليس ذنبك، ورسالتك لم تضِع: المدرسة استلمتها وستعمل عليها. لكنك لا تستطيع الآن أن تقرأ الجواب. تريد أن تحكي أو تسأل شيئًا؟ أرسل رسالة جديدة واكتب فيها أنك أضعت رمزك.
check-draft-kept = رسالتك ما زالت في الأسفل. لم تُرسَل بعد.
conv-title = رسالتك
conv-status = الحالة:
status-new = وصلت
status-open = قيد المتابعة
status-closed = انتهت
conv-your-report = ما أخبرت به في { $date }
conv-from-pupil = كتبتَ في { $date }
conv-from-school = كتبت المدرسة في { $date }
conv-unreadable = لم نستطع فتح هذه الرسالة.
conv-no-answer = لا يوجد جواب بعد. ارجع بعد بضعة أيام.
conv-write-title = هل تريد أن تحكي شيئًا آخر؟
conv-message-label = رسالتك
conv-send = أرسل
conv-sent = تم إرسال رسالتك.
conv-newest = أحدث جواب من المدرسة، { $date }
conv-thread = المحادثة كلها
conv-to-message = اكتب رسالة
conv-not-sent = رسالتك لم تُرسَل بعد. نصّك ما زال هنا.
conv-leave = انتهيت؟ أغلق هذه الصفحة. هل يستعمل شخص آخر هاتفك أو حاسوبك أيضًا؟ امسح السجلّ عندها.
message-empty = اكتب رسالة أولًا.
message-too-long = في رسالتك { $chars } حرفًا. المسموح { $max }. اجعلها أقصر، أو أرسلها على جزأين.
message-unavailable = آسفون، حدث خطأ عندنا. رسالتك لم تُرسَل. نصّك ما زال هنا. جرّب مرة أخرى بعد بضع دقائق.
message-busy = هناك ضغط كبير الآن. رسالتك لم تُرسَل بعد. نصّك ما زال هنا. جرّب مرة أخرى بعد دقيقة.
month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر
too-many = هناك ضغط كبير الآن. انتظر { $minutes ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $minutes } دقائق
   *[other] { $minutes } دقيقة
} ثم اضغط على الزر مرة أخرى.
too-many-kept = نصّك ما زال هنا.
field-evidence = لقطات شاشة أو صور
field-evidence-hint = يمكنك أن تضيف حتى { $files } صور أو لقطات شاشة، كل واحدة حتى { $mib } ميغابايت. قبل أن نحفظها نحذف منها كل المعلومات المخفية، مثل أين التُقطت الصورة وبأي هاتف. ما تراه في الصورة، مثل الأسماء والوجوه، يبقى ظاهرًا.
evidence-never-nude = لا ترسل أبدًا صورة أو فيديو عاريًا، ولا حتى كدليل. اكتب بدلًا من ذلك أين هو: أي تطبيق، أي مجموعة، أو أي حساب.
problem-file-not-image = { $file }: هذه ليست صورة أو لقطة شاشة نستطيع فتحها. اختر صورة أخرى.
problem-file-too-big = { $file }: حجم هذا الملف { $size } ميغابايت. يجب ألا يكون أكبر من { $max } ميغابايت. خذ لقطة شاشة أو اختر صورة أصغر.
problem-file-too-many-pixels = { $file }: هذه الصورة كبيرة جدًا. خذ لها لقطة شاشة وأرسلها.
problem-file-unreadable = { $file }: هذا الملف تالف أو لم يصل كاملًا. جرّب مرة أخرى، أو خذ لقطة شاشة جديدة.
problem-file-too-many = { $file }: لا يمكنك أن ترسل أكثر من { $max } صور في مرة واحدة. أرسل الباقي لاحقًا في رسالة برمزك.
problem-file-busy = { $file }: هناك ضغط كبير الآن. جرّب مرة أخرى بعد دقيقة.
problem-files-not-allowed = في هذا الموضوع لا نقبل صورًا، ولا حتى كدليل. لم نحفظ { $files }. اكتب بدلًا من ذلك أين هي: أي تطبيق، أي مجموعة، أو أي حساب.
problem-too-large = كل شيء معًا كان أكبر من أن نستقبله. أرسل صورًا أقل أو أصغر.
files-again = لم يُرسَل شيء. نصّك ما زال هنا، لكن يجب أن تختار صورك من جديد: متصفحك لا يستطيع أن يحفظها لك.
already-sent = لقد أرسلت هذه الاستمارة من قبل. تلك الرسالة وصلت إلى المدرسة، والرمز الذي حصلت عليه وقتها ما زال يعمل. إذا ضغطت الآن مرة أخرى على «أرسل الرسالة»، تصبح هذه رسالة جديدة إضافية برمز جديد.
conv-attachments = { $count ->
    [one] أُرسلت صورة واحدة
    [two] أُرسلت صورتان
    [few] أُرسلت { $count } صور
   *[other] أُرسلت { $count } صورة
}
kept-rule = كم من الوقت نحفظ رسالتك؟ عندما تنتهي المدرسة من رسالتك، نحذفها بعد { $closed ->
    [one] يوم واحد
    [two] يومين
    [few] { $closed } أيام
   *[other] { $closed } يومًا
}. وإذا لم يحدث شيء في رسالتك مدة { $inactive ->
    [one] يوم واحد
    [two] يومين
    [few] { $inactive } أيام
   *[other] { $inactive } يومًا
}، نحذفها أيضًا. بعد ذلك لا يعمل رمزك.
conv-kept-closed = انتهت المدرسة من رسالتك. سنحذفها في { $date }. تريد أن تحكي شيئًا آخر؟ اكتب رسالة في الأسفل. عندها تُفتح رسالتك من جديد.
check-maybe-deleted = هل الرمز صحيح؟ إذن ربما حُذفت رسالتك. نفعل ذلك بعد { $closed ->
    [one] يوم واحد
    [two] يومين
    [few] { $closed } أيام
   *[other] { $closed } يومًا
} من انتهاء المدرسة من الرسالة، أو إذا لم يحدث شيء مدة { $inactive ->
    [one] يوم واحد
    [two] يومين
    [few] { $inactive } أيام
   *[other] { $inactive } يومًا
}.
check-maybe-deleted-varies = هل الرمز صحيح؟ إذن ربما حُذفت رسالتك. نفعل ذلك بعد مدة من انتهاء المدرسة من الرسالة. كم بالضبط، مكتوب في صفحة الإخبار لمدرستك.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = شكرًا لأنك أخبرتنا بهذا. كان ذلك شجاعة منك.
reply-read = قرأت بلاغك وأنا آخذه بجدية.
reply-when = سأكتب لك مرة أخرى خلال بضعة أيام دراسية. تحقق حينها برمزك إن كانت هناك رسالة.
reply-next = سأعرف أولًا ماذا حدث. لن أفعل أي شيء قبل أن أخبرك أولًا.
