"""Twilio: the SMS backend (``backend``) and its signed delivery-status callback (``webhook``)."""
