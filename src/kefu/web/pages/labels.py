"""zh/en labels of the codes every page shows (channels, lanes, presence, media): one
table each, so the desk, the board and the admin pages name a thing the same way."""

from __future__ import annotations

CHANNELS: dict[str, tuple[str, str]] = {
    "inapp": ("应用内客服", "In-app chat"),
    "hotline": ("热线 95152", "Hotline 95152"),
    "email": ("邮件", "Email"),
    "wechat": ("微信公众号", "WeChat"),
    "weibo": ("微博", "Weibo"),
    "station_letter": ("站内信", "Station letter"),
    "wecom": ("企业微信", "WeCom"),
    "enterprise_line": ("企业专线", "Enterprise line"),
    "dispute": ("电商纠纷", "Dispute"),
    "offline": ("线下服务中心", "Service center"),
}
LANES: dict[str, tuple[str, str]] = {
    "normal": ("普通", "Normal"),
    "merchant": ("商家", "Merchant"),
    "creator": ("创作者", "Creator"),
    "enterprise": ("企业", "Enterprise"),
    "vip": ("VIP", "VIP"),
    "urgent": ("紧急", "Urgent"),
    "legal": ("法务", "Legal"),
    "triage": ("待分诊", "Triage"),
}
PRESENCE: dict[str, tuple[str, str]] = {
    "available": ("在线", "Available"),
    "busy": ("忙碌", "Busy"),
    "away": ("离开", "Away"),
    "offline": ("离线", "Offline"),
}
MEDIA: dict[str, tuple[str, str]] = {
    "call": ("电话", "Calls"),
    "chat": ("会话", "Chats"),
    "email": ("工单", "Tickets"),
}
