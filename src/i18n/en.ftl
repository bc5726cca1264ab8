# Fluister — English (plain language for pupils aged 10 to 18).

site-name = Fluister
site-tagline = Report anonymously to your school
lang-switch-label = Language

help-title = Is someone in danger right now?
help-112 = Call right away
help-kindertelefoon = Want to talk to someone? Call or chat with the Kindertelefoon for free, without giving your name:
help-veilig-thuis = Not safe at home? Call Veilig Thuis for free:
help-line-danger = Danger? Call
help-line-kindertelefoon = Kindertelefoon
help-line-veilig-thuis = Veilig Thuis
footer-privacy = Fluister does not remember who you are or where you are. Your report is locked. Only the confidential advisers of your school have the key.
footer-privacy-spare-key = Fluister does not remember who you are or where you are. Your report is locked. The confidential advisers of your school have the key. The school board also keeps a spare key, locked in a safe. The board may only use it when the advisers themselves can no longer get to the reports. That can happen when an adviser loses their key.
footer-privacy-spare-key-some = Fluister does not remember who you are or where you are. Your report is locked. The confidential advisers of your school have the key. At some schools, the school board also keeps a spare key, locked in a safe. The board may only use it when the advisers themselves can no longer get to the reports. The bottom of your school's report page says whether your school has one.

home-title = Choose your school
home-intro = Which school do you want to report to?

form-title = Report it to { $school }
form-intro = You don't have to give your name.
form-who-reads = Who reads this? Only the confidential advisers of { $school }. Nobody else, not even Fluister.
form-who-reads-spare-key = Who reads this? The confidential advisers of { $school }. Fluister does not read it. The school board does keep a spare key. The bottom of this page says what it is for.
form-what-next = What happens next? You get a code. With that code you can read the school's answer later, and tell them more. An answer usually comes within a few school days.
form-submit = Send report
optional = (you may leave this empty)

notices-title-fix = Something still needs to change. Your text is still here.
notices-title-not-sent = Your report has not been sent yet. Your text is still here.
notices-title-already-sent = This report was already sent.

field-category = What is it about?
field-category-hint = Choose what fits best. Not sure? Choose "Something else".
category-bullying = Bullying (at school or online)
category-threat = Someone is being threatened
category-fight-filmed = A fight was filmed
category-images-shared = Nude photos or videos of someone are being passed around
category-sextortion = Someone asks for nude photos, or threatens to share them
category-reputation = Someone is being smeared, with rumours or a fake account
category-hacked-account = Someone took over an account (hacked)
category-discrimination = Someone is treated badly because of who they are (discrimination)
category-adult-contact = An adult is doing something that is not okay
category-other = Something else

note-images-title = Is it about nude photos or videos?
note-images = Never send the photo or video itself, not even as proof. That is a crime, even if you want to help. Tell us where it is instead: which app, which group or which account.
note-images-help = Help to get images taken offline:
note-adult-title = Is it about an adult, for example someone who works at the school?
note-adult = Sometimes the school then has to get help from outside the school, to protect you and others. That can be the schools inspectorate, or the police. The confidential adviser will always tell you first what is going to happen.

field-description = What happened?
field-description-hint = Tell it in your own words. Write as much or as little as you like.
field-where = Where did it happen?
field-where-hint = For example: in class, on the playground, on Snapchat, in a group chat.
field-when = When did it happen?
field-when-hint = For example: yesterday, for a few weeks now, every Tuesday.
field-involved = Who is involved?
field-involved-hint = You may leave this empty. You may also just name a class, a group or an account name.
field-danger = Is someone in danger right now?
danger-yes = Yes
danger-unsure = I don't know
danger-no = No
danger-yes-hint = Is someone in danger right now? Then don't wait for the school: call 112.

problem-description-missing = Tell us in a few words what happened.
problem-too-long = This text has { $chars } characters. It may have { $max }. Please make it a bit shorter. You can send the rest later with your code.
problem-unknown-category = Choose a topic from the list.
problem-unknown-danger = Choose yes, no or I don't know.
problem-invalid-utf8 = Part of your text arrived broken. Please read your text again: characters that went wrong show as �. Fix them and send again.
problem-unreadable = Your browser sent the form in a way we cannot read. Fill in the form below and send it again.
problem-unavailable = Sorry, something went wrong on our side. Your report has NOT been sent and you have no code yet. Your text is still below. Please try again in a few minutes.
problem-busy = It is very busy right now. Your report has not been sent yet. Your text is still below. Please try again in a minute.

done-title = Your report has been sent
done-danger = You wrote that someone may be in danger right now. Don't wait for the school. Call
done-code-intro = This is your code:
done-keep-title = Keep your code safe
done-keep-1 = Write it on paper, or keep it somewhere only you look.
done-keep-2 = Only with this code can you read the school's answer. Nobody can look it up or make it again for you.
done-keep-3 = Anyone who has your code can read your report. Don't show it to anyone.
done-kept = I have kept my code
done-show-again = Show my code once more

confirm-title = Did you keep your code? Type it here.
confirm-label = Your code
confirm-submit = Check my code
confirm-empty = Type your code in the box.
confirm-wrong-length = A code has 16 characters. You typed { $count }.
confirm-bad-symbol = There is a character in it that is never in a code. A code only has digits and letters.
confirm-mismatch = That is not the same code. Look carefully and fix what you wrote down.
confirm-pattern-hint = Type the code you just got. Capitals, spaces and dashes do not matter.
confirm-unknown = We cannot find this code. Check it and try again.
confirm-ok-title = Your code works
confirm-ok = Well done! You kept your code safe.
confirm-come-back = Come back with your code in a few days. Then choose "Read the answer" at the top.
back-home = To the start page

error-not-found-title = This page does not exist
error-not-found = Maybe the address was typed wrong. Go to the start page and try again.
error-method-title = That doesn't work like this
error-method = This page does not open this way. Do you want to report something? Go to the start page. Do you want to read the answer from your school? Choose "Read the answer" at the top.
error-too-large-title = Your text is too long
error-too-large = We cannot receive that much text. Your report has not been sent. Go back with your browser's back button (your text is usually still there) and make it shorter. You can send the rest later with your code.
error-internal-title = Sorry, something went wrong
error-internal = Something went wrong on our side. It is not your fault. Please try again in a few minutes.

nav-check = Read the answer
check-title = Read the school's answer
check-intro = Type the code you got when you sent your report. Capitals, spaces and dashes don't matter.
check-label = Your code
check-submit = Open my report
check-not-found = We could not find this code. Check it and try again.
check-lost = Lost your code? That is not your fault, and your report is not lost: the school got it and will work on it. You just cannot read the answer now. Do you still want to tell or ask something? Make a new report and say that you lost your code.
check-draft-kept = Your message is still below. It has not been sent yet.
conv-title = Your report
conv-status = Status:
status-new = received
status-open = being handled
status-closed = closed
conv-your-report = What you reported on { $date }
conv-from-pupil = You wrote on { $date }
conv-from-school = The school wrote on { $date }
conv-unreadable = This message could not be opened.
conv-no-answer = There is no answer yet. Come back in a few days.
conv-write-title = Do you want to tell us more?
conv-message-label = Your message
conv-send = Send message
conv-sent = Your message has been sent.
conv-newest = Newest answer from your school, { $date }
conv-thread = The whole conversation
conv-to-message = Write a message
conv-not-sent = Your message has not been sent yet. Your text is still there.
conv-leave = Done? Close this page. Does someone else use your phone or computer too? Then clear your history.
message-empty = Write a message first.
message-too-long = Your message has { $chars } characters. It may have { $max }. Make it shorter, or send it in two parts.
message-unavailable = Sorry, something went wrong on our side. Your message has NOT been sent. Your text is still here. Please try again in a few minutes.
message-busy = It is very busy right now. Your message has not been sent yet. Your text is still here. Please try again in a minute.
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
too-many = It is very busy right now. Wait { $minutes } { $minutes ->
    [one] minute
   *[other] minutes
} and then press the button again.
too-many-kept = Your text is still here.
field-evidence = Screenshots or photos
field-evidence-hint = You can add up to { $files } photos or screenshots, each up to { $mib } MB. Before we store them we remove all hidden data, such as where and with which phone a photo was taken. What you can see in the picture, such as names and faces, stays visible.
evidence-never-nude = Never send a nude photo or video, not even as proof. Write down where it is instead: which app, which group or which account.
problem-file-not-image = { $file }: this is not a photo or screenshot we can open. Choose another picture.
problem-file-too-big = { $file }: this file is { $size } MB. It may not be bigger than { $max } MB. Take a screenshot or choose a smaller photo.
problem-file-too-many-pixels = { $file }: this picture is far too big. Take a screenshot of it and send that.
problem-file-unreadable = { $file }: this file is damaged or did not arrive completely. Try again, or take a new screenshot.
problem-file-too-many = { $file }: you cannot send more than { $max } pictures at a time. Send the rest later in a message with your code.
problem-file-busy = { $file }: it is very busy right now. Please try again in a minute.
problem-files-not-allowed = For this topic we never take pictures, not even as proof. We did not keep { $files }. Write down where it is instead: which app, which group or which account.
problem-too-large = Everything together was too big to receive. Send fewer or smaller pictures.
files-again = Nothing was sent. Your text is still here, but you need to choose your pictures again: your browser cannot keep them for you.
already-sent = You already sent this form once. That report is with the school, and the code you got then keeps working. If you press "Send report" again now, this becomes a new, extra report with a new code.
conv-attachments = { $count ->
    [one] 1 picture attached
   *[other] { $count } pictures attached
}
kept-rule = How long do we keep your report? When the school has finished with your report, we delete it after { $closed ->
    [one] 1 day
   *[other] { $closed } days
}. If nothing happens with your report for { $inactive ->
    [one] 1 day
   *[other] { $inactive } days
}, we delete it too. After that, your code no longer works.
conv-kept-closed = The school has finished with your report. We will delete it on { $date }. Do you want to tell us more? Write a message below. Then your report opens again.
check-maybe-deleted = Is the code right? Then your report may have been deleted already. We do that { $closed ->
    [one] 1 day
   *[other] { $closed } days
} after the school has finished with a report, or when nothing has happened for { $inactive ->
    [one] 1 day
   *[other] { $inactive } days
}.
check-maybe-deleted-varies = Is the code right? Then your report may have been deleted already. We do that some time after the school has finished with a report. Your school's report page says how long.

## Ready-made first replies the adviser's workstation offers in the pupil's language.
reply-thanks = Thank you for reporting this. That was brave.
reply-read = I have read your report and I take it seriously.
reply-when = I will write to you again within a few school days. Check with your code whether there is a message.
reply-next = First I will find out what happened. I will not do anything without telling you first.
