"""All models, importable from one place (Alembic's metadata comes from here)."""

from core.models.admin import AdminSetting, ApiToken, AuditEntry
from core.models.base import Base, utcnow
from core.models.broadcasts import Broadcast, BroadcastPhoto, BroadcastState
from core.models.catalog import Price, PriceType, Product, ProductGroup, Stock, Warehouse
from core.models.claims import (
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ClaimStatusEvent,
)
from core.models.contacts import ContactChannel, ContactTopic, DealerContact
from core.models.crm import CrmError, CrmLink, CrmPause
from core.models.crosses import AlertPreference, CrossGroup, CrossNumber, PriceMark, StockAlert
from core.models.dealers import (
    Application,
    Dealer,
    DealerStatus,
    DeliveryAddress,
    Invitation,
    InvitationUse,
    LegalEntity,
    PilotWave,
    Role,
    StaffAccount,
    User,
)
from core.models.delivery import Delivery, DeliveryState
from core.models.finance import (
    CreditPolicy,
    DocumentKind,
    FinanceContract,
    FinanceDocument,
    FinanceDocumentFile,
)
from core.models.orders import (
    Cart,
    CartLine,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusEvent,
    SatisfactionResponse,
    SyncState,
)
from core.models.rollout import NpsResponse
from core.models.sandbox import SandboxFile, SandboxMessage
from core.models.saved_lists import SavedList, SavedListLine
from core.models.system import CalendarDay, ExchangeSession, ManagerAction, OutboxEvent, ThrottleHit

__all__ = [
    "AdminSetting",
    "AlertPreference",
    "ApiToken",
    "Application",
    "AuditEntry",
    "Base",
    "Broadcast",
    "BroadcastPhoto",
    "BroadcastState",
    "CalendarDay",
    "Cart",
    "CartLine",
    "Claim",
    "ClaimAttachment",
    "ClaimLine",
    "ClaimReason",
    "ClaimStatus",
    "ClaimStatusEvent",
    "ContactChannel",
    "ContactTopic",
    "CreditPolicy",
    "CrmError",
    "CrmLink",
    "CrmPause",
    "CrossGroup",
    "CrossNumber",
    "Dealer",
    "DealerContact",
    "DealerStatus",
    "Delivery",
    "DeliveryAddress",
    "DeliveryState",
    "DocumentKind",
    "ExchangeSession",
    "FinanceContract",
    "FinanceDocument",
    "FinanceDocumentFile",
    "Invitation",
    "InvitationUse",
    "LegalEntity",
    "ManagerAction",
    "NpsResponse",
    "Order",
    "OrderLine",
    "OrderSource",
    "OrderStatus",
    "OrderStatusEvent",
    "OutboxEvent",
    "PilotWave",
    "Price",
    "PriceMark",
    "PriceType",
    "Product",
    "ProductGroup",
    "Role",
    "SandboxFile",
    "SandboxMessage",
    "SatisfactionResponse",
    "SavedList",
    "SavedListLine",
    "StaffAccount",
    "Stock",
    "StockAlert",
    "SyncState",
    "ThrottleHit",
    "User",
    "Warehouse",
    "utcnow",
]
