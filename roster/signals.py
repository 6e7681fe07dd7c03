"""What the roster tells the apps above it, which it may not import.

``mobiles_replaced`` is sent inside an import's transaction with the establishment and the
account holders' school mobiles the import replaced (``changes``: a list of
``roster.imports.plan.MobileReplaced``). Recovery listens: the codes the old numbers received
die and the old numbers are told, as when the secretariat corrects a number in the console.
"""

from django.dispatch import Signal

mobiles_replaced = Signal()
