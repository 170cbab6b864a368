"""The demo dataset: teams, agents, customers of every segment, and a ticket for each of
the 38 subcategories over several channels. Loading twice adds no second copy."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from kefu.domain.actors import Actor, Role
from kefu.domain.errors import InvalidInput
from kefu.services import org
from kefu.services.context import ServiceContext
from kefu.services.customers import upsert_customer
from kefu.services.setup import prepare
from kefu.services.tickets import (
    OpenTicket,
    add_message,
    assign_ticket,
    open_ticket,
    transition_ticket,
)
from kefu.services.users import create_user

OPERATOR = Actor(Role.ADMIN, "demo-loader")

CUSTOMERS: dict[str, tuple[str, dict[str, object]]] = {
    "UID20000001": ("王小明", {}),
    "UID20000002": ("美食探店小李", {"followers": 25_000, "daily_plays": 8_000}),
    "UID20000003": ("旅行博主阿杰", {"followers": 320_000, "daily_plays": 150_000}),
    "UID20000004": ("百万粉丝音乐人", {"followers": 2_400_000, "daily_plays": 900_000}),
    "UID20000005": ("山货小铺", {"has_shop": True}),
    "UID20000006": ("某某餐饮有限公司", {"verification": "enterprise_basic"}),
    "UID20000007": (
        "某某汽车集团",
        {"verification": "enterprise_industry", "annual_ad_spend": 800_000},
    ),
    "UID20000008": (
        "某某国际品牌",
        {"verification": "enterprise_brand", "annual_ad_spend": 5_000_000},
    ),
    "UID20000009": ("VIP 用户", {"vip": True}),
}

# One realistic first message per subcategory: (uid, channel, text).
TICKETS: dict[str, tuple[str, str, str]] = {
    "account.ban_appeal": (
        "UID20000001",
        "inapp",
        "我的账号突然被封了，说我违规，但我什么都没发，系统误判，申请解封",
    ),
    "account.hijacked": (
        "UID20000003",
        "hotline",
        "账号被盗了！密码被改了，对方在用我的号发广告，请紧急处理",
    ),
    "account.login": ("UID20000001", "inapp", "换了手机号以后登录不上，验证码一直收不到"),
    "account.realname": ("UID20000002", "inapp", "实名认证一直提示信息不一致，身份证是对的"),
    "account.deletion": (
        "UID20000001",
        "email",
        "I want to delete my account permanently, how long does it take?",
    ),
    "content.misjudged": (
        "UID20000003",
        "wechat",
        "视频被判违规下架了，内容是正常的旅行记录，申请复审",
    ),
    "content.prereview": ("UID20000004", "wecom", "下周要发一个涉及医疗科普的视频，想提前预审一下"),
    "content.comments": ("UID20000002", "inapp", "评论区有人一直恶意刷屏，怎么批量删除和屏蔽"),
    "live.permission": ("UID20000002", "inapp", "申请开通直播权限一直审核不通过，不知道原因"),
    "live.interrupted": (
        "UID20000004",
        "inapp",
        "直播到一半突然被中断，提示违规，但是我没有违规行为",
    ),
    "live.equipment": ("UID20000003", "inapp", "用OBS推流一直卡顿掉帧，推流地址怎么设置"),
    "live.gifts": ("UID20000004", "inapp", "上个月的直播打赏收益少算了一部分，想核对一下"),
    "order.not_received": (
        "UID20000001",
        "dispute",
        "订单显示已签收但是我根本没收到货，订单号 DY2026112500001",
    ),
    "order.not_as_described": (
        "UID20000009",
        "dispute",
        "收到的衣服和商品页描述完全不一样，颜色材质都不对",
    ),
    "order.quality": ("UID20000001", "dispute", "买的充电宝用了两天就鼓包了，质量有问题，要求退款"),
    "order.refund": ("UID20000002", "inapp", "退货已经寄回去一周了，退款还没到账"),
    "merchant.onboarding": ("UID20000005", "inapp", "想开抖音小店，入驻需要哪些资质材料？"),
    "merchant.settlement": ("UID20000005", "hotline", "保证金什么时候能退？结算周期是多久"),
    "merchant.listing": ("UID20000005", "inapp", "新上架的商品一直在审核中，已经三天了"),
    "payment.recharge": ("UID20000001", "inapp", "充值了抖币但是余额没有增加，扣款成功了"),
    "payment.withdrawal": ("UID20000004", "inapp", "提现申请提交后一直显示处理中"),
    "payment.charge_error": (
        "UID20000009",
        "hotline",
        "莫名其妙被扣了两次会员费，要求退回多扣的钱",
    ),
    "copyright.complaint": (
        "UID20000008",
        "email",
        "我司原创广告片被他人搬运，发起版权投诉，附授权证明",
    ),
    "copyright.counter_notice": (
        "UID20000003",
        "email",
        "我的视频被投诉侵权下架，但素材是我自己拍的，提出申诉",
    ),
    "copyright.portrait_trademark": ("UID20000008", "email", "有账号冒用我司注册商标进行直播带货"),
    "safety.fraud": (
        "UID20000001",
        "station_letter",
        "有人冒充客服让我转账解冻账户，我被骗了2000元",
    ),
    "safety.harassment": ("UID20000002", "inapp", "有人一直私信骚扰辱骂我，还威胁要人肉我"),
    "safety.minors": (
        "UID20000001",
        "inapp",
        "我家孩子用我的账号给主播打赏了好几千，申请未成年退款",
    ),
    "traffic.anomaly": (
        "UID20000003",
        "wecom",
        "最近一周播放量断崖式下跌，从十万掉到几百，帮忙诊断",
    ),
    "traffic.analytics": ("UID20000002", "inapp", "创作者后台的粉丝画像数据在哪里看"),
    "ads.campaign": ("UID20000007", "enterprise_line", "广告计划投放后消耗很慢，想优化出价策略"),
    "ads.ad_review": (
        "UID20000006",
        "enterprise_line",
        "广告素材审核被拒，提示夸大宣传，想了解具体原因",
    ),
    "ads.invoice": ("UID20000007", "email", "需要开具上季度的广告费增值税专用发票"),
    "verification.enterprise": ("UID20000006", "inapp", "企业蓝V认证年审需要提交哪些材料"),
    "verification.creator_program": (
        "UID20000003",
        "wecom",
        "粉丝过十万了，想申请加入创作者成长计划",
    ),
    "verification.personal": (
        "UID20000002",
        "inapp",
        "How do I apply for personal verification as a food blogger?",
    ),
    "usage.howto": ("UID20000001", "weibo", "怎么设置视频仅好友可见？"),
    "usage.bug": ("UID20000009", "weibo", "更新到最新版以后一打开拍摄页面就闪退"),
}

AGENTS: list[tuple[str, list[str], list[str]]] = [
    ("张敏", ["account_safety"], ["security"]),
    ("李娜", ["account_safety", "general"], ["security"]),
    ("陈晨", ["content"], ["legal"]),
    ("刘洋", ["live"], ["live_tech"]),
    ("赵磊", ["ecommerce"], ["product_knowledge", "legal"]),
    ("孙悦", ["merchant"], ["product_knowledge"]),
    ("周杰", ["ads_enterprise"], ["enterprise"]),
    ("吴倩", ["creators"], ["creator_program"]),
    ("郑浩", ["general"], []),
]


@dataclass
class DemoSummary:
    customers: int = 0
    agents: int = 0
    tickets: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    """Web sign-in names (all with DEMO_PASSWORD) → who they are."""


# Demo data only: every demo web login has this password (printed by `kefu demo`).
DEMO_PASSWORD = "kefu-demo"


def load_demo(ctx: ServiceContext) -> DemoSummary:
    prepare(ctx)
    summary = DemoSummary(customers=len(CUSTOMERS), tickets=len(TICKETS))
    agents = org.agents(ctx, OPERATOR)
    if not agents:
        for name, teams, skills in AGENTS:
            agents.append(org.create_agent(ctx, OPERATOR, name, teams, skills, ["zh-CN", "en"]))
        _load_customers_and_tickets(ctx, agents)
    summary.agents = len(agents)
    for role in ("admin", "supervisor", "integration"):
        summary.tokens[role] = create_user(ctx, role, f"demo-{role}")[1]
    first = agents[0]
    summary.tokens[f"agent ({first.name}, {', '.join(first.teams)})"] = create_user(
        ctx, "agent", first.name, agent_id=first.id
    )[1]
    summary.tokens["customer (UID20000001)"] = create_user(
        ctx, "customer", "王小明", customer_uid="UID20000001"
    )[1]
    summary.tokens["seller (UID20000005, the shop of the demo disputes)"] = create_user(
        ctx, "customer", "山货小铺", customer_uid="UID20000005"
    )[1]
    summary.logins = _web_logins(ctx, agents)
    return summary


def _web_logins(ctx: ServiceContext, agents: list[org.Agent]) -> dict[str, str]:
    """Web sign-ins for the pages, created once (a second `kefu demo` keeps them)."""
    by_team = {team: a for a in reversed(agents) for team in a.teams}
    people: list[tuple[str, str, str, dict[str, Any]]] = [
        ("admin", "admin", "演示管理员", {}),
        ("supervisor", "supervisor", "演示主管", {}),
        ("agent", "agent", agents[0].name, {"agent_id": agents[0].id}),
        ("arbitrator", "agent", by_team["ecommerce"].name, {"agent_id": by_team["ecommerce"].id}),
        ("customer", "customer", "王小明", {"customer_uid": "UID20000001"}),
        ("seller", "customer", "山货小铺", {"customer_uid": "UID20000005"}),
    ]
    logins: dict[str, str] = {}
    for login, role, name, extra in people:
        with contextlib.suppress(InvalidInput):  # already there from an earlier run
            create_user(ctx, role, name, login=login, password=DEMO_PASSWORD, **extra)
        logins[login] = f"{role} {name}"
    return logins


def _load_customers_and_tickets(ctx: ServiceContext, agents: list[org.Agent]) -> None:
    for uid, (name, facts) in CUSTOMERS.items():
        upsert_customer(ctx, OPERATOR, uid, dict(facts), name)
    by_team = {team: a for a in reversed(agents) for team in a.teams}
    for n, (code, (uid, channel, text)) in enumerate(TICKETS.items()):
        ticket = open_ticket(ctx, OPERATOR, OpenTicket(uid, channel, text, subcategory=code))
        assert ticket.id is not None
        # Move some tickets along the lifecycle so the demo shows every stage.
        stage = n % 4
        agent = by_team.get(ticket.team)
        if stage == 0 or agent is None or agent.id is None:
            continue
        staff = Actor(Role.SUPERVISOR, "demo-supervisor")
        assign_ticket(ctx, staff, ticket.id, agent.id)
        if stage >= 2:
            add_message(
                ctx,
                Actor(Role.AGENT, agent.name, agent_id=agent.id, teams=frozenset(agent.teams)),
                ticket.id,
                "您好，已收到您的反馈，正在为您核实处理。",
            )
        if stage == 3:
            transition_ticket(ctx, staff, ticket.id, "resolved", "demo")
    _load_dispute(ctx)


def _load_dispute(ctx: ServiceContext) -> None:
    """One dispute in arbitration: a complete evidence bundle, contested by the shop."""
    from kefu.adapters.orders import DemoOrderDirectory
    from kefu.policies.disputes import load_dispute_policy
    from kefu.services import disputes
    from kefu.services.dispute_access import DisputeContext, FileRef

    dc = DisputeContext(ctx, DemoOrderDirectory(), load_dispute_policy())
    chat = ctx.blobs.put("11-20 卖家：已发货，三天到\n11-22 买家：充电宝鼓包了".encode())
    track = ctx.blobs.put(b"%PDF-1.4\n% logistics record DY2026112500003\n%%EOF\n")
    files = [
        FileRef(chat, "聊天记录.txt", "text/plain", "chat_log"),
        FileRef(track, "物流记录.pdf", "application/pdf", "logistics"),
    ]
    buyer = Actor(Role.CUSTOMER, "王小明", customer_uid="UID20000001")
    shop = Actor(Role.CUSTOMER, "山货小铺", customer_uid="UID20000005")
    cmd = disputes.OpenDispute(
        "DY2026112500003", "quality", TICKETS["order.quality"][2], files=files
    )
    dispute = disputes.open_dispute(dc, buyer, cmd)
    assert dispute.id is not None
    disputes.respond(
        dc, shop, dispute.id, accept=False, sub=disputes.Submit("出厂检测合格，疑似使用不当")
    )
