"""Spanish (es) versions of the consumer e-mails, by kind.

Addressed with "tú"; an instalment is a "plazo", a direct debit a "recibo domiciliado",
debt sent to collections goes to "recobro".
"""

from __future__ import annotations

from paylater.bank import messages as bank_mail
from paylater.billing import messages as billing_mail
from paylater.collections import messages as collections_mail
from paylater.disputes import messages as disputes_mail
from paylater.payments import messages as payments_mail
from paylater.servicing import messages as servicing_mail

TEMPLATES: dict[str, tuple[str, str]] = {
    bank_mail.DIRECT_DEBIT_RETURNED: (
        "Tu recibo domiciliado de {amount} no se ha podido cobrar",
        "Hola, {name}:\n\nTu banco ha devuelto el recibo domiciliado de {amount} del plazo con"
        " vencimiento el {due_date} ({reason_text}, código {reason}). El plazo vuelve a estar"
        " pendiente: págalo"
        " por transferencia bancaria indicando su referencia de pago, o revisa tu cuenta para que"
        " el próximo cobro se realice correctamente.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Tu compra en {store}: {total}",
        "Hola, {name}:\n\nGracias por tu compra {order_ref} en {store}. Tus pagos:\n{schedule}\n\n"
        "Te avisaremos antes de cada uno.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Pago recibido: {amount}",
        "Hola, {name}:\n\nHemos recibido tu pago de {amount} por tu compra {order_ref}."
        " Gracias.\n\nPendiente de pago en esta compra: {outstanding}.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Tu compra {order_ref} ha pasado a recobro",
        "Hola, {name}:\n\nEl pago de tu compra {order_ref} lleva {days} días de retraso, por lo"
        " que la deuda de {amount} ha pasado a recobro. Hasta que la pagues por completo, no"
        " podrás hacer nuevas compras con paylater.\n\nPaga el importe total lo antes posible para"
        " cerrar el expediente. Si ya has pagado, responde a este correo con el justificante de"
        " pago.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Tu compra {order_ref} está pagada: el expediente de recobro se ha cerrado",
        "Hola, {name}:\n\nGracias: la compra {order_ref} ya está pagada por completo y su"
        " expediente de recobro se ha cerrado. Ya puedes volver a comprar con paylater.\n",
    ),
    disputes_mail.OPENED: (
        "Hemos abierto tu reclamación sobre la compra {order_ref}",
        "Hola, {name}:\n\nHemos abierto tu reclamación sobre la compra {order_ref} ({amount})."
        " Mientras tanto, tus pagos quedan en pausa. La tienda tiene hasta el {deadline} para"
        " responder; te escribiremos cuando se resuelva.\n",
    ),
    disputes_mail.WON: (
        "Tu reclamación sobre la compra {order_ref} se ha resuelto a tu favor",
        "Hola, {name}:\n\nTu reclamación sobre la compra {order_ref} se ha resuelto a tu favor: se"
        " te reembolsa el importe de {amount}.\n",
    ),
    disputes_mail.LOST: (
        "Tu reclamación sobre la compra {order_ref} se ha resuelto a favor de la tienda",
        "Hola, {name}:\n\nTras revisar la respuesta de la tienda, tu reclamación sobre la compra"
        " {order_ref} se ha resuelto a favor de la tienda. Tu plan de pagos continúa.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Tu pago automático de {amount} no se ha podido completar",
        "Hola, {name}:\n\nHemos intentado cobrar {amount} de tu compra {order_ref} en tu tarjeta"
        " {card}, pero el pago no se ha podido completar: {reason}.\n\nVolveremos a intentarlo el"
        " {next_day}. También puedes pagar ahora, o cambiar de tarjeta, desde tu cuenta.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Por favor, paga {amount}: tu pago automático no se ha podido completar",
        "Hola, {name}:\n\nHemos intentado varias veces cobrar {amount} de tu compra {order_ref} en"
        " tu tarjeta {card}, sin éxito: {reason}.\n\nNo volveremos a intentarlo automáticamente."
        " Por favor, paga desde tu cuenta, con tarjeta o por transferencia bancaria.\n",
    ),
    servicing_mail.UPCOMING: (
        "Pago de {amount} con vencimiento el {due_date}",
        "Hola, {name}:\n\nUn pago de {amount} de tu compra {order_ref} vence el {due_date}. Si"
        " pagas de forma automática, no tienes que hacer nada.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Tu pago de {amount} vence hoy",
        "Hola, {name}:\n\nTu pago de {amount} de tu compra {order_ref} vence hoy ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Recordatorio: {amount} venció el {due_date}",
        "Hola, {name}:\n\nNo hemos recibido tu pago de {amount} de tu compra {order_ref}, que"
        " vencía el {due_date}. Por favor, paga lo antes posible. Si ya has pagado o hay algún"
        " problema con la compra, indícalo en tu cuenta y pondremos la factura en pausa.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Recordatorio: {amount} venció el {due_date}",
        "Hola, {name}:\n\nNo hemos recibido el pago de tu compra {order_ref}, que vencía el"
        " {due_date}. Según lo acordado en las condiciones, se ha añadido un recargo de {fee}:"
        " ahora debes {amount}. Por favor, paga lo antes posible.\n",
    ),
    servicing_mail.PAUSED: (
        "Tu factura está en pausa hasta el {ends_on}",
        "Hola, {name}:\n\nGracias por avisarnos. Tu compra {order_ref} está en pausa hasta el"
        " {ends_on}: mientras tanto, sin recordatorios ni recargos. Tu próximo pago vence ahora el"
        " {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "Tu factura sigue en pausa hasta el {ends_on}",
        "Hola, {name}:\n\nLa pausa de tu compra {order_ref} dura ahora hasta el {ends_on}. Tu"
        " próximo pago vence ahora el {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "Tu factura vuelve a estar activa",
        "Hola, {name}:\n\nLa pausa de tu compra {order_ref} ha terminado. Pendiente de pago:"
        " {outstanding}; tu próximo pago vence el {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "La tienda ha reembolsado {amount}",
        "Hola, {name}:\n\nLa tienda ha reembolsado {amount} de tu compra {order_ref}. Pendiente de"
        " pago: {outstanding}. Lo que ya habías pagado de más ({payback}) te llegará en un plazo"
        " de 14 días.\n",
    ),
}
