"""kefu (客服): an omnichannel customer-service platform."""

__version__ = "0.1.0"
