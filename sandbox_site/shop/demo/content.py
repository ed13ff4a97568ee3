"""What the demo shop sells: six products in two languages, with variants, prices and pictures."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class V(NamedTuple):
    """A variant: SKU, names, prices ("RUB USD EUR") and its picture's palette ("bg-top bg-bottom object accent")."""

    sku: str
    name: str
    name_ru: str
    price_list: str
    palette_list: str

    @property
    def prices(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(price) for price in self.price_list.split())

    @property
    def palette(self) -> tuple[str, ...]:
        return tuple(self.palette_list.split())


class S(NamedTuple):
    """A shipping method: names, descriptions, prices ("RUB USD EUR")."""

    name: str
    name_ru: str
    description: str
    description_ru: str
    price_list: str
    needs_address: bool

    @property
    def prices(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(price) for price in self.price_list.split())


HOME = {
    "title": "Home",
    "title_ru": "Главная",
    "headline": "Small things, made with care",
    "headline_ru": "Маленькие вещи, сделанные с заботой",
    "intro": (
        "Mugs, bags, notebooks and other everyday goods from small workshops. "
        "Pick something, pay in roubles, dollars or euros, and watch Cascad take the payment."
    ),
    "intro_ru": (
        "Кружки, сумки, блокноты и другие вещи на каждый день от небольших мастерских. "
        "Выберите что-нибудь, оплатите в рублях, долларах или евро и посмотрите, как Cascad принимает платёж."
    ),
}

CATALOGUE = {
    "title": "Catalogue",
    "title_ru": "Каталог",
    "slug": "catalogue",
    "intro": "Everything we make, in small batches.",
    "intro_ru": "Всё, что мы делаем, небольшими партиями.",
}

PRODUCTS = [
    {
        "slug": "stoneware-mug",
        "kind": "mug",
        "title": "Stoneware mug",
        "title_ru": "Керамическая кружка",
        "summary": "A heavy, glazed mug that keeps tea hot. 350 ml.",
        "summary_ru": "Тяжёлая глазурованная кружка, в которой чай дольше остаётся горячим. 350 мл.",
        "body": (
            "<p>Thrown and glazed by hand in a small studio. The thick walls keep your drink warm and the "
            "wide handle fits four fingers.</p><ul><li>Volume: 350 ml</li><li>Dishwasher and microwave safe</li></ul>"
        ),
        "body_ru": (
            "<p>Сформована и покрыта глазурью вручную в небольшой мастерской. Толстые стенки держат тепло, "
            "а в широкую ручку помещаются четыре пальца.</p><ul><li>Объём: 350 мл</li>"
            "<li>Можно мыть в посудомоечной машине и ставить в микроволновку</li></ul>"
        ),
        "variants": [
            V("MUG-OCEAN", "Ocean blue", "Морская синева", "1290 14.90 13.90", "#dceaf2 #b9d3e3 #2f6f9f #f2c14e"),
            V("MUG-SAND", "Sand", "Песочная", "1290 14.90 13.90", "#f1ebe3 #e2d5c4 #c9a97f #5b4a3a"),
        ],
    },
    {
        "slug": "linen-tote",
        "kind": "tote",
        "title": "Linen tote bag",
        "title_ru": "Льняная сумка-шоппер",
        "summary": "Strong washed linen with an inside pocket.",
        "summary_ru": "Плотный стираный лён и внутренний карман.",
        "body": (
            "<p>Big enough for a week's groceries or a laptop, soft enough to fold into a coat pocket.</p>"
            "<ul><li>40 × 38 × 12 cm</li><li>100% linen, machine washable at 30 °C</li></ul>"
        ),
        "body_ru": (
            "<p>Вмещает продукты на неделю или ноутбук, а в сложенном виде помещается в карман пальто.</p>"
            "<ul><li>40 × 38 × 12 см</li><li>100% лён, машинная стирка при 30 °C</li></ul>"
        ),
        "variants": [
            V("TOTE-NAT", "Natural", "Натуральный", "1890 21.00 19.50", "#f3ece0 #e5d8c3 #d9c7a7 #2f5d50"),
            V("TOTE-GRA", "Charcoal", "Графит", "1890 21.00 19.50", "#e9e9e7 #d3d3cf #45484c #e8b44c"),
        ],
    },
    {
        "slug": "dot-grid-notebook",
        "kind": "notebook",
        "title": "Dot-grid notebook",
        "title_ru": "Блокнот в точку",
        "summary": "Lay-flat binding, 160 pages of thick ivory paper.",
        "summary_ru": "Раскрывается плоско, 160 страниц плотной бумаги цвета слоновой кости.",
        "body": (
            "<p>For lists, sketches and plans. 100 g/m² paper that takes fountain pens without bleeding, "
            "an elastic band and a ribbon marker.</p>"
        ),
        "body_ru": (
            "<p>Для списков, набросков и планов. Бумага 100 г/м² не промокает даже под перьевой ручкой; "
            "есть резинка и ляссе.</p>"
        ),
        "variants": [
            V("NOTE-A5", "A5", "A5", "690 7.90 7.50", "#efe6f3 #d9cbe3 #3a3f6b #e0704f"),
            V("NOTE-A6", "A6 pocket", "A6, карманный", "490 5.90 5.50", "#e7f0ee #cfe1dc #1f6b57 #f2c14e"),
        ],
    },
    {
        "slug": "merino-socks",
        "kind": "socks",
        "title": "Merino wool socks",
        "title_ru": "Носки из шерсти мериноса",
        "summary": "Warm in winter, cool in summer, never itchy.",
        "summary_ru": "Тёплые зимой, не жаркие летом и совсем не колются.",
        "body": (
            "<p>Knitted from fine merino with a reinforced heel and toe. They last for years and do not "
            "need washing after every wear.</p><ul><li>80% merino, 20% nylon</li></ul>"
        ),
        "body_ru": (
            "<p>Связаны из тонкой шерсти мериноса, пятка и мысок усилены. Служат годами, и их не нужно "
            "стирать после каждой носки.</p><ul><li>80% меринос, 20% нейлон</li></ul>"
        ),
        "variants": [
            V("SOCK-S", "S (36–38)", "S (36–38)", "990 12.00 11.00", "#f6e7e1 #ecd0c4 #8c3b3b #f3e3c3"),
            V("SOCK-M", "M (39–42)", "M (39–42)", "990 12.00 11.00", "#e8ecf3 #cfd8e6 #3c5a85 #f3e3c3"),
            V("SOCK-L", "L (43–46)", "L (43–46)", "990 12.00 11.00", "#eef0e4 #dbe0c8 #5b6b2f #f3e3c3"),
        ],
    },
    {
        "slug": "tea-sampler",
        "kind": "tea",
        "title": "Tea sampler",
        "title_ru": "Набор чая",
        "summary": "Four loose-leaf teas in a reusable tin.",
        "summary_ru": "Четыре листовых чая в многоразовой банке.",
        "body": (
            "<p>Four 25 g pouches chosen by our tea taster, with brewing notes for each. The tin keeps "
            "them fresh and stays useful long after the tea is gone.</p>"
        ),
        "body_ru": (
            "<p>Четыре пакета по 25 г, которые выбрал наш дегустатор, с подсказками по завариванию. "
            "Банка сохраняет чай свежим и пригодится, когда он закончится.</p>"
        ),
        "variants": [
            V("TEA-GREEN", "Green teas", "Зелёные чаи", "1490 17.50 16.00", "#e6f0df #cfe0c3 #2e5e3e #7bb662"),
            V("TEA-BLACK", "Black teas", "Чёрные чаи", "1490 17.50 16.00", "#f3e6dc #e4cdbb #5a2f22 #d9a05b"),
        ],
    },
    {
        "slug": "soy-candle",
        "kind": "candle",
        "title": "Soy candle",
        "title_ru": "Соевая свеча",
        "summary": "Forty hours of calm light in a glass jar.",
        "summary_ru": "Сорок часов спокойного света в стеклянной банке.",
        "body": (
            "<p>Poured from soy wax with a cotton wick and essential oils. Burns clean and slow, about 40 hours.</p>"
        ),
        "body_ru": ("<p>Соевый воск, хлопковый фитиль и эфирные масла. Горит чисто и медленно, около 40 часов.</p>"),
        "variants": [
            V("CANDLE-CEDAR", "Cedar & sage", "Кедр и шалфей", "1190 13.50 12.50", "#f4ecdf #e8dac3 #c7a27c #2f3b35"),
            V("CANDLE-BERG", "Bergamot", "Бергамот", "1190 13.50 12.50", "#fbf3dc #f1e1b0 #e9c46a #3d405b"),
        ],
    },
]

SHIPPING = [
    S("Courier", "Курьер", "1–2 business days, to your door", "1–2 рабочих дня, до двери", "390 5.00 4.50", True),
    S("Post", "Почта", "5–10 business days", "5–10 рабочих дней", "250 3.00 2.80", True),
    S(
        "Pickup from the studio",
        "Самовывоз из мастерской",
        "Ready the next day",
        "Готово на следующий день",
        "0 0 0",
        False,
    ),
]

#: Promo codes for the storefront API (``Voucher``): code → its fields.
VOUCHERS = {
    "WELCOME10": {
        "name": "Welcome: 10% off",
        "name_ru": "Добро пожаловать: скидка 10%",
        "kind": "percentage",
        "percentage": Decimal(10),
    },
}
