"""Translations of the demo's staff-typed Dutch texts, as staff would add them on the
translation pages. The Ghent offers, the classroom sessions and the test centres are translated;
the Antwerp offers are not, so that the demo also shows the Dutch original marked as Dutch."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal.services.translations import TRANSLATABLE, form_key, save_translations

ACTOR = "demo-data"

TEXTS: dict[str, dict[str, str]] = {
    # test centres: accessibility notes
    "Ingang zonder trappen, lift, aangepast toilet.": {
        "en": "Step-free entrance, lift, adapted toilet.",
        "fr": "Entrée de plain-pied, ascenseur, toilettes adaptées.",
        "ar": "مدخل بلا درج، مصعد، مرحاض مُهيَّأ لذوي الإعاقة.",
        "tr": "Basamaksız giriş, asansör, engelli tuvaleti.",
        "uk": "Вхід без сходинок, ліфт, пристосований туалет.",
        "ru": "Вход без ступенек, лифт, приспособленный туалет.",
    },
    "Ingang met 3 treden; een helling op vraag.": {
        "en": "Entrance with 3 steps; a ramp on request.",
        "fr": "Entrée avec 3 marches ; une rampe sur demande.",
        "ar": "مدخل بثلاث درجات؛ منحدر عند الطلب.",
        "tr": "Girişte 3 basamak var; istek üzerine rampa konur.",
        "uk": "Вхід із 3 сходинками; пандус на прохання.",
        "ru": "Вход с 3 ступеньками; пандус по запросу.",
    },
    "Ingang zonder trappen, lift.": {
        "en": "Step-free entrance, lift.",
        "fr": "Entrée de plain-pied, ascenseur.",
        "ar": "مدخل بلا درج، مصعد.",
        "tr": "Basamaksız giriş, asansör.",
        "uk": "Вхід без сходинок, ліфт.",
        "ru": "Вход без ступенек, лифт.",
    },
    # classroom sessions: titles
    "Democratie en rechtsstaat": {
        "en": "Democracy and the rule of law",
        "fr": "La démocratie et l'État de droit",
        "ar": "الديمقراطية وسيادة القانون",
        "tr": "Demokrasi ve hukuk devleti",
        "uk": "Демократія і верховенство права",
        "ru": "Демократия и верховенство права",
    },
    "Gelijke rechten in het dagelijks leven": {
        "en": "Equal rights in everyday life",
        "fr": "L'égalité des droits au quotidien",
        "ar": "المساواة في الحقوق في الحياة اليومية",
        "tr": "Günlük hayatta eşit haklar",
        "uk": "Рівні права в повсякденному житті",
        "ru": "Равные права в повседневной жизни",
    },
    # activity offers in Ghent: titles and descriptions
    "Vrijwilliger in het buurtcentrum": {
        "en": "Volunteer at the community centre",
        "fr": "Bénévole au centre de quartier",
        "ar": "متطوع في المركز الاجتماعي للحي",
        "tr": "Mahalle merkezinde gönüllü",
        "uk": "Волонтер у районному центрі",
        "ru": "Волонтёр в районном центре",
    },
    "Help bij de koffie-ochtend en de huiswerkklas. Je spreekt Nederlands met de buren.": {
        "en": "Help at the coffee morning and the homework class. You speak Dutch with the "
        "neighbours.",
        "fr": "Aidez au café du matin et à l'école des devoirs. Vous parlez néerlandais avec les "
        "voisins.",
        "ar": "ساعد في صباح القهوة وفي صف الواجبات المدرسية. تتحدث الهولندية مع الجيران.",
        "tr": "Kahve sabahında ve ödev sınıfında yardım edin. Komşularla Felemenkçe konuşursunuz.",
        "uk": "Допомагайте на ранковій каві та в класі домашніх завдань. Ви розмовляєте з "
        "сусідами нідерландською.",
        "ru": "Помогайте на утреннем кофе и в классе домашних заданий. Вы говорите с соседями "
        "по-нидерландски.",
    },
    "Buddy: samen Gent ontdekken": {
        "en": "Buddy: discover Ghent together",
        "fr": "Binôme : découvrir Gand ensemble",
        "ar": "رفيق: نكتشف غنت معًا",
        "tr": "Buddy: Gent'i birlikte keşfedin",
        "uk": "Бадді: відкриваймо Гент разом",
        "ru": "Бадди: открываем Гент вместе",
    },
    "Je krijgt een buddy uit Gent. Jullie spreken af, één keer per week.": {
        "en": "You get a buddy from Ghent. You meet once a week.",
        "fr": "Vous recevez un binôme de Gand. Vous vous voyez une fois par semaine.",
        "ar": "ستحصل على رفيق من غنت. تلتقيان مرة واحدة في الأسبوع.",
        "tr": "Gent'ten bir buddy ile tanışırsınız. Haftada bir kez buluşursunuz.",
        "uk": "Ви отримаєте бадді з Гента. Ви зустрічаєтеся раз на тиждень.",
        "ru": "Вы получите бадди из Гента. Вы встречаетесь раз в неделю.",
    },
    "Kennismakingsstage bij de stad": {
        "en": "Introductory work placement at the city",
        "fr": "Stage découverte à la ville",
        "ar": "تدريب تعريفي لدى المدينة",
        "tr": "Belediyede tanışma stajı",
        "uk": "Ознайомче стажування в міській раді",
        "ru": "Ознакомительная стажировка в городской администрации",
    },
    "Een week meelopen in een dienst van de stad: de bibliotheek, de groendienst of het onthaal.": {
        "en": "Spend a week with a city service: the library, the parks department or the "
        "reception desk.",
        "fr": "Suivez pendant une semaine un service de la ville : la bibliothèque, le service "
        "des espaces verts ou l'accueil.",
        "ar": "أسبوع من المرافقة في إحدى خدمات المدينة: المكتبة أو قسم المساحات الخضراء أو "
        "الاستقبال.",
        "tr": "Belediyenin bir biriminde bir hafta geçirin: kütüphane, park ve bahçeler birimi "
        "veya danışma.",
        "uk": "Тиждень разом із працівниками міської служби: бібліотека, служба зелених "
        "насаджень або приймальня.",
        "ru": "Неделя вместе с сотрудниками городской службы: библиотека, служба озеленения "
        "или приёмная.",
    },
}


def translate(db: Session, record: Any) -> None:
    """Add the demo's translations of the record's Dutch texts (those it has)."""
    values = {
        form_key(field.name, language): text
        for field in TRANSLATABLE[type(record).__tablename__]
        for language, text in TEXTS.get(getattr(record, field.name) or "", {}).items()
    }
    if values:
        save_translations(db, ACTOR, record, values)
