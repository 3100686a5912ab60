"""A simulated online payment gateway (TEST ENVIRONMENT ONLY), a separate system under /sim/platnosci/.

It knows the office only through HTTP: the browser arrives with the order's parameters signed by the office
(HMAC-SHA256 with the shared secret ``PAYMENT_GATEWAY_SECRET``), the payer chooses a bank and authorises or rejects
the payment on the "bank's" page, and the gateway notifies the office asynchronously (Celery task
``finance.tasks_gateway.gateway_notify``) with a signed JSON callback to the order's ``notify_url``. Its state is its
own table (:class:`finance.models.GatewayTransaction`); it never reads the office's orders or accounts.
"""
