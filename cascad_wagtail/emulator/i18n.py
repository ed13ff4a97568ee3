"""The Checkout page's words in English and Russian, and how a page picks its language.

The emulator is Cascad's page, not the shop's, so it carries its own small catalogue instead of
Django's gettext: it runs without Django settings, as a separate process.
"""

from __future__ import annotations

from decimal import Decimal

LANGUAGES = ("en", "ru")

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "Cascad Checkout", "ru": "Оплата Cascad"},
    "test_mode": {
        "en": "Test mode: no real money moves. Use a test card.",
        "ru": "Тестовый режим: реальные деньги не списываются. Используйте тестовую карту.",
    },
    "test_mode_short": {"en": "Test mode", "ru": "Тестовый режим"},
    "amount": {"en": "Amount", "ru": "Сумма"},
    "test_cards": {"en": "Test cards", "ru": "Тестовые карты"},
    "card_success": {"en": "pays at once", "ru": "оплата сразу"},
    "card_3ds": {"en": "asks for 3-D Secure", "ru": "запрашивает 3-D Secure"},
    "card_fail": {
        "en": "is declined (the expiry picks the reason)",
        "ru": "отклоняется (причину задаёт срок действия)",
    },
    "card_pending": {"en": "expiry 07/77: the payment stays pending", "ru": "срок 07/77: платёж остаётся в обработке"},
    "amount_due": {"en": "Amount due", "ru": "К оплате"},
    "order": {"en": "Order", "ru": "Заказ"},
    "choose_method": {"en": "Payment method", "ru": "Способ оплаты"},
    "card_number": {"en": "Card number", "ru": "Номер карты"},
    "expiry": {"en": "Expiry (MM/YY)", "ru": "Срок действия (ММ/ГГ)"},
    "cvv": {"en": "CVV", "ru": "CVV"},
    "cardholder": {"en": "Name on card (optional)", "ru": "Имя владельца (необязательно)"},
    "pay": {"en": "Pay {amount}", "ru": "Оплатить {amount}"},
    "pay_with": {"en": "Continue with {method}", "ru": "Продолжить: {method}"},
    "secure_note": {
        "en": "Your card details go to Cascad only; the shop never sees them.",
        "ru": "Данные карты получает только Cascad; магазин их не видит.",
    },
    "cancel": {"en": "Back to the shop", "ru": "Вернуться в магазин"},
    "close": {"en": "Close", "ru": "Закрыть"},
    "expires_at": {"en": "Pay before {time} UTC", "ru": "Оплатите до {time} UTC"},
    "three_ds_title": {"en": "Confirm the payment with your bank", "ru": "Подтвердите платёж в банке"},
    "three_ds_text": {
        "en": "Your bank asks you to confirm a payment of {amount} to this shop (3-D Secure).",
        "ru": "Банк просит подтвердить платёж на сумму {amount} в этом магазине (3-D Secure).",
    },
    "confirm": {"en": "Confirm", "ru": "Подтвердить"},
    "fail": {"en": "Fail", "ru": "Отказать"},
    "method_title": {"en": "Approve the payment in {method}", "ru": "Подтвердите платёж: {method}"},
    "method_text": {
        "en": "This test step stands in for the provider's app. Approve or decline the payment of {amount}.",
        "ru": "Этот тестовый шаг заменяет приложение провайдера. Подтвердите или отклоните платёж на {amount}.",
    },
    "approve": {"en": "Approve", "ru": "Подтвердить"},
    "decline": {"en": "Decline", "ru": "Отклонить"},
    "paid_title": {"en": "Payment successful", "ru": "Оплата прошла успешно"},
    "paid_text": {"en": "{amount} has been paid.", "ru": "Оплачено {amount}."},
    "partly_title": {"en": "Payment partly received", "ru": "Платёж получен частично"},
    "partly_text": {
        "en": "{paid} of {amount} has been paid. The shop will contact you.",
        "ru": "Оплачено {paid} из {amount}. Магазин свяжется с вами.",
    },
    "pending_title": {"en": "Payment is being processed", "ru": "Платёж обрабатывается"},
    "pending_text": {
        "en": "Your bank has not confirmed the payment yet. This can take a while; you can return to the shop now.",
        "ru": "Банк ещё не подтвердил платёж. Это может занять время; вы можете вернуться в магазин.",
    },
    "failed_title": {"en": "Payment failed", "ru": "Платёж не прошёл"},
    "failed_text": {
        "en": "No money was taken. Reason: {reason}.",
        "ru": "Деньги не списаны. Причина: {reason}.",
    },
    "expired_title": {"en": "This invoice has expired", "ru": "Срок оплаты счёта истёк"},
    "expired_text": {
        "en": "It can no longer be paid. Return to the shop to start again.",
        "ru": "Его больше нельзя оплатить. Вернитесь в магазин, чтобы начать заново.",
    },
    "terminated_title": {"en": "This invoice was cancelled", "ru": "Счёт отменён"},
    "terminated_text": {
        "en": "It can no longer be paid. Return to the shop to start again.",
        "ru": "Его больше нельзя оплатить. Вернитесь в магазин, чтобы начать заново.",
    },
    "refunded_title": {"en": "This payment was refunded", "ru": "Платёж возвращён"},
    "refunded_text": {"en": "{amount} was paid and refunded.", "ru": "Оплата {amount} была возвращена."},
    "return": {"en": "Return to the shop", "ru": "Вернуться в магазин"},
    "redirecting": {
        "en": "Taking you back to the shop in a few seconds…",
        "ru": "Через несколько секунд вы вернётесь в магазин…",
    },
    "not_found_title": {"en": "Invoice not found", "ru": "Счёт не найден"},
    "not_found_text": {
        "en": "This payment link is not valid. Return to the shop and try again.",
        "ru": "Ссылка на оплату недействительна. Вернитесь в магазин и попробуйте снова.",
    },
    "link_error_title": {"en": "This payment link cannot be used", "ru": "Эту ссылку на оплату нельзя использовать"},
    "error_card_unknown": {
        "en": "This card is not accepted in test mode. Use one of the test cards below.",
        "ru": "Эта карта не принимается в тестовом режиме. Используйте одну из тестовых карт ниже.",
    },
    "error_expiry": {
        "en": "Enter the expiry as MM/YY, for example 12/30.",
        "ru": "Введите срок действия в формате ММ/ГГ, например 12/30.",
    },
    "error_cvv": {"en": "Enter the 3 or 4 digits of the CVV.", "ru": "Введите 3 или 4 цифры CVV."},
    "error_not_payable": {
        "en": "This invoice can no longer be paid.",
        "ru": "Этот счёт больше нельзя оплатить.",
    },
    "error_method": {"en": "Choose a payment method.", "ru": "Выберите способ оплаты."},
}

#: Failure resolutions in words a customer understands.
RESOLUTIONS: dict[str, dict[str, str]] = {
    "access_denied": {"en": "access was denied", "ru": "доступ запрещён"},
    "error": {"en": "a processing error occurred", "ru": "произошла ошибка обработки"},
    "provider_error": {"en": "the payment provider reported an error", "ru": "ошибка на стороне платёжного провайдера"},
    "unknown": {"en": "the bank gave no reason", "ru": "банк не указал причину"},
    "duplicated_transaction": {"en": "this looks like a duplicate payment", "ru": "похоже на повторный платёж"},
    "auth_fatal_error": {"en": "the card could not be authorised", "ru": "не удалось авторизовать карту"},
    "unable_to_determine_3ds_enrolment": {
        "en": "the bank could not check 3-D Secure for this card",
        "ru": "банк не смог проверить 3-D Secure для этой карты",
    },
    "card_is_3ds_enrolled": {
        "en": "this card needs 3-D Secure, which failed",
        "ru": "для этой карты нужен 3-D Secure, проверка не пройдена",
    },
    "card_is_not_3ds_enrolled": {
        "en": "this card is not enrolled in 3-D Secure",
        "ru": "карта не подключена к 3-D Secure",
    },
    "issuer_decline": {"en": "your bank declined the payment", "ru": "банк отклонил платёж"},
    "client_auth_failed": {"en": "authentication failed", "ru": "аутентификация не пройдена"},
    "provider_fatal_error": {"en": "the payment provider failed", "ru": "сбой платёжного провайдера"},
    "invalid_details": {"en": "the payment details are not valid", "ru": "неверные платёжные данные"},
    "invalid_pin": {"en": "the PIN was wrong", "ru": "неверный PIN-код"},
    "antifraud_error": {"en": "the payment was stopped by fraud checks", "ru": "платёж остановлен антифрод-проверкой"},
    "invalid_card": {"en": "the card is not valid", "ru": "карта недействительна"},
    "fatal_error": {"en": "a fatal error occurred", "ru": "произошла критическая ошибка"},
    "unable_to_reconcile": {"en": "the payment could not be reconciled", "ru": "платёж не удалось сверить"},
    "invalid_amount": {"en": "the amount is not valid", "ru": "неверная сумма"},
    "limit_violation": {"en": "a card limit was exceeded", "ru": "превышен лимит по карте"},
    "functionality_is_not_permitted": {
        "en": "this card may not be used for such payments",
        "ru": "карту нельзя использовать для таких платежей",
    },
    "invalid_request": {"en": "the request was not valid", "ru": "неверный запрос"},
    "lost_or_stolen_card": {
        "en": "the card is reported lost or stolen",
        "ru": "карта заявлена как утерянная или украденная",
    },
    "declined": {"en": "the payment was declined", "ru": "платёж отклонён"},
    "invalid_otp": {"en": "the one-time code was wrong", "ru": "неверный одноразовый код"},
    "invalid_3ds_code": {"en": "3-D Secure confirmation failed", "ru": "подтверждение 3-D Secure не пройдено"},
    "invalid_card_status": {"en": "the card is blocked or inactive", "ru": "карта заблокирована или неактивна"},
    "insufficient_funds": {"en": "there are not enough funds on the card", "ru": "на карте недостаточно средств"},
    "card_expired": {"en": "the card has expired", "ru": "срок действия карты истёк"},
    "invalid_cvv": {"en": "the CVV was wrong", "ru": "неверный CVV"},
    "invalid_pan": {"en": "the card number is not valid", "ru": "неверный номер карты"},
    "invalid_credentials": {"en": "the card details were wrong", "ru": "неверные данные карты"},
    "general_fatal_error": {"en": "the payment could not be completed", "ru": "платёж не удалось провести"},
    "auth_3ds_required": {"en": "3-D Secure is required", "ru": "требуется 3-D Secure"},
}

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "UAH": "₴", "KZT": "₸"}


def choose_language(requested: str | None, invoice_locale: str | None, accept_language: str | None) -> str:
    """The ``locale`` asked for, else the invoice's, else the browser's first supported one, else English."""
    for candidate in (requested, invoice_locale):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "en"


def text(key: str, language: str, **values: str) -> str:
    template = MESSAGES[key].get(language) or MESSAGES[key]["en"]
    return template.format(**values) if values else template


def resolution_words(code: str, language: str) -> str:
    words = RESOLUTIONS.get(code)
    if words is None:
        return code.replace("_", " ")
    return words.get(language) or words["en"]


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """``1,500.00 RUB`` in English, ``1 500,00 ₽`` in Russian (narrow no-break spaces)."""
    plain = f"{amount:,f}"
    if language == "ru":
        plain = plain.replace(",", "\u202f").replace(".", ",")
        return f"{plain}\u00a0{CURRENCY_SIGNS.get(currency, currency)}"
    return f"{plain}\u00a0{currency}"
