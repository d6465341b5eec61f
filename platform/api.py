"""The public API of ``redloop.platform``: import from here.

(``platform/`` is a namespace package on purpose, see the README's Layout, so it has no
``__init__.py`` to re-export from.)
"""

from .bulk_feeds import PageBatch
from .collabs import Collaboration, CollabStatus
from .core import Platform
from .errors import (
    Conflict,
    CorruptLog,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutOfStock,
    PlatformError,
    Unauthorized,
)
from .eventlog import Event, EventKind, EventLog, unpack_boost, unpack_served
from .logread import read_sqlite
from .model import FIXED_MID_RUN as CONFIG_FIXED_MID_RUN
from .model import LIMITS as CONFIG_LIMITS
from .model import (
    TOPICS,
    AccountKind,
    AdCampaign,
    AdPlacement,
    Boost,
    BoostGoal,
    Channel,
    Comment,
    DiscoveryPage,
    Note,
    NoteFormat,
    Order,
    OrderStatus,
    Origin,
    PlatformConfig,
    Product,
    ProductPage,
    SearchResult,
    User,
)
from .recommenders import REGISTRY as RECOMMENDERS
from .recommenders import Recommender, register
from .shares import Cascade, Share, SharedItem

__all__ = [
    "CONFIG_FIXED_MID_RUN",
    "CONFIG_LIMITS",
    "RECOMMENDERS",
    "TOPICS",
    "AccountKind",
    "AdCampaign",
    "AdPlacement",
    "Boost",
    "BoostGoal",
    "Cascade",
    "Channel",
    "CollabStatus",
    "Collaboration",
    "Comment",
    "Conflict",
    "CorruptLog",
    "DiscoveryPage",
    "Event",
    "EventKind",
    "EventLog",
    "Forbidden",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "Note",
    "NoteFormat",
    "Order",
    "OrderStatus",
    "Origin",
    "OutOfStock",
    "PageBatch",
    "Platform",
    "PlatformConfig",
    "PlatformError",
    "Product",
    "ProductPage",
    "Recommender",
    "SearchResult",
    "Share",
    "SharedItem",
    "Unauthorized",
    "User",
    "read_sqlite",
    "register",
    "unpack_boost",
    "unpack_served",
]
