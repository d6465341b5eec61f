"""Accounts and the follow graph, stored column-wise for a million users.

A graph loaded in bulk (a new community's follows, :meth:`Accounts.follow_many`) is held as
numpy arrays — sorted edge keys and compressed adjacency rows — and a user's row becomes its
own ``array`` only when it is read or changed, so building a million users' graph does not
create millions of Python objects.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

import numpy as np

from . import batch_kernels
from .errors import Forbidden, InvalidInput, check_id
from .model import N_TOPICS, TOPICS_OF_MASK, AccountKind, User, topic_names


class EdgeKeys:
    """A set of packed ``follower << 32 | followee`` keys: a sorted base loaded in bulk, plus
    the keys added and the base keys removed since."""

    def __init__(self) -> None:
        self.base = array("q")
        self.added: set[int] = set()
        self.removed: set[int] = set()

    def _in_base(self, key: int) -> bool:
        base = self.base
        if not base:
            return False
        i = bisect_left(base, key)
        return i < len(base) and base[i] == key

    def __contains__(self, key: object) -> bool:
        if key in self.added:
            return True
        return key not in self.removed and self._in_base(key)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.base) - len(self.removed) + len(self.added)

    def add(self, key: int) -> None:
        if key in self.removed:  # a base key back again
            self.removed.discard(key)
        elif not self._in_base(key):
            self.added.add(key)

    def discard(self, key: int) -> None:
        self.added.discard(key)
        if self._in_base(key):
            self.removed.add(key)

    def update(self, keys: np.ndarray) -> None:
        """Add distinct keys not present yet: the first load becomes the sorted base."""
        if not len(self):
            self.base = array("q", np.sort(keys).astype(np.int64).tobytes())
            self.added.clear()
            self.removed.clear()
        else:
            self.added.update(keys.tolist())

    def isin(self, keys: np.ndarray) -> np.ndarray:
        """``[k in self for k in keys]`` as a boolean column."""
        found = np.zeros(keys.size, dtype=bool)
        if self.base:
            base = np.frombuffer(self.base, dtype=np.int64)
            at = np.minimum(np.searchsorted(base, keys), base.size - 1)
            found = base[at] == keys
        if self.added or self.removed:
            listed = keys.tolist()
            found &= ~np.fromiter((k in self.removed for k in listed), bool, keys.size)
            found |= np.fromiter((k in self.added for k in listed), bool, keys.size)
        return found

    def canonical(self) -> set[int]:
        """The keys as one set (for the platform's fingerprint)."""
        return (set(self.base) - self.removed) | self.added


class Adjacency:
    """Per-user lists of ids (whom a user follows, or who follows them), in the order the
    edges were made: compressed rows ``indices[indptr[u]:indptr[u + 1]]`` loaded in bulk,
    and a user's own ``array`` in :attr:`rows` once the row is read or changed."""

    def __init__(self) -> None:
        self.indptr = np.zeros(1, dtype=np.int64)
        self.indices = np.empty(0, dtype=np.int32)
        self.rows: dict[int, array] = {}

    def _base(self, user: int) -> array | None:
        if user + 1 >= self.indptr.size:
            return None
        lo, hi = int(self.indptr[user]), int(self.indptr[user + 1])
        return array("i", self.indices[lo:hi].tobytes()) if hi > lo else None

    def get(self, user: int, default: tuple[()] = ()) -> array | tuple[()]:
        """The user's row, or ``default`` if they have never had one."""
        row = self.rows.get(user)
        if row is None:
            row = self._base(user)
            if row is None:
                return default
            self.rows[user] = row
        return row

    def row(self, user: int) -> array:
        """The user's row to change (created empty on first use)."""
        row = self.rows.get(user)
        if row is None:
            row = self.rows[user] = self._base(user) or array("i")
        return row

    def load(self, users: np.ndarray, others: np.ndarray, n_users: int) -> None:
        """Append ``others[i]`` to ``users[i]``'s row, in order: into the compressed rows
        when nothing is held yet, else row by row."""
        order = np.argsort(users, kind="stable")
        if not self.rows and not self.indices.size:
            counts = np.bincount(users, minlength=n_users)
            self.indptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
            self.indices = others[order].astype(np.int32)
            return
        sorted_users, sorted_others = users[order], others[order].astype(np.int32)
        starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
        ends = np.r_[starts[1:], sorted_users.size]
        for user, lo, hi in zip(
            sorted_users[starts].tolist(), starts.tolist(), ends.tolist(), strict=True
        ):
            self.row(user).frombytes(sorted_others[lo:hi].tobytes())

    def canonical(self) -> dict[int, array]:
        """Every user's row that was ever made (for the platform's fingerprint)."""
        users: Iterable[int] = np.flatnonzero(np.diff(self.indptr)).tolist()
        rows = self.rows
        return {u: rows[u] if u in rows else self._base(u) for u in sorted({*users, *rows})}


class Accounts:
    """Users (consumer, creator, brand, staff) with interests and follow edges.

    Follow membership is :class:`EdgeKeys`; who follows whom, two :class:`Adjacency` rows
    per user.
    """

    def __init__(self) -> None:
        self.kind = array("B")
        self.interests = array("H")  # topic bitmask
        self.created_at = array("d")
        self.n_followers = array("i")
        self.n_following = array("i")
        self.n_notes = array("i")
        #: Topic affinity learnt from the user's own engagement, N_TOPICS floats per user,
        #: as of ``learned_at`` (the declared interests start at 1 when the account opens).
        self.affinity = array("f")
        self.learned_at = array("d")
        #: Topic co-engagement, everyone's, as of the last refresh: row a, column t sums each
        #: user's profile on topic a times theirs on topic t (both faded to that moment).
        self.coengaged = np.zeros((N_TOPICS, N_TOPICS), dtype=np.float64)
        #: The first learning at or after this time refreshes :attr:`coengaged`.
        self.coengaged_due = 0.0
        self.names: list[str] = []
        self.id_by_name: dict[str, int] = {}
        self.edges = EdgeKeys()
        self.following = Adjacency()
        self.followers = Adjacency()

    def __len__(self) -> int:
        return len(self.kind)

    # ------------------------------------------------------------ validation

    def check(self, user: int, field: str = "user") -> None:
        check_id(user, len(self.kind), field)

    def check_kind(self, user: int, kinds: tuple[AccountKind, ...], field: str) -> None:
        self.check(user, field)
        if self.kind[user] not in kinds:
            allowed = " or ".join(k.label for k in kinds)
            raise Forbidden(
                f"{field} {user} is a {AccountKind(self.kind[user]).label} account; "
                f"this needs a {allowed} account",
                field=field,
                value=user,
            )

    def check_new_name(self, name: object, max_chars: int) -> str:
        if not isinstance(name, str) or not name.strip() or len(name) > max_chars:
            raise InvalidInput(
                f"name must be a non-empty string of at most {max_chars} characters; got {name!r}",
                field="name",
                value=name,
            )
        if name in self.id_by_name:
            raise InvalidInput(
                f"name {name!r} is taken by user {self.id_by_name[name]}", field="name", value=name
            )
        return name

    def check_follow(self, follower: int, followee: int) -> None:
        self.check(follower, "user")
        self.check(followee, "target")
        if follower == followee:
            raise Forbidden(
                f"user {follower} cannot follow themself", field="target", value=followee
            )

    # ------------------------------------------------------------ mutation (no validation)

    def add(self, kind: int, interests: int, name: str, now: float) -> int:
        uid = len(self.kind)
        self.kind.append(kind)
        self.interests.append(interests)
        self.created_at.append(now)
        self.n_followers.append(0)
        self.n_following.append(0)
        self.n_notes.append(0)
        self.affinity.extend([1.0 if interests >> t & 1 else 0.0 for t in range(N_TOPICS)])
        self.learned_at.append(now)
        self.names.append(name)
        self.id_by_name[name] = uid
        return uid

    def add_many(self, kinds: np.ndarray, masks: np.ndarray, names: list[str], now: float) -> None:
        """:meth:`add` for each account in order, the columns extended in bulk."""
        first, n = len(self.kind), len(names)
        self.kind.frombytes(kinds.astype(np.uint8).tobytes())
        self.interests.frombytes(masks.astype(np.uint16).tobytes())
        self.created_at.frombytes(np.full(n, now, dtype=np.float64).tobytes())
        zeros = np.zeros(n, dtype=np.int32).tobytes()
        for column in (self.n_followers, self.n_following, self.n_notes):
            column.frombytes(zeros)
        declared = masks.astype(np.int64)[:, None] >> np.arange(N_TOPICS) & 1
        self.affinity.frombytes(declared.astype(np.float32).tobytes())
        self.learned_at.frombytes(np.full(n, now, dtype=np.float64).tobytes())
        self.names.extend(names)
        self.id_by_name.update(zip(names, range(first, first + n), strict=True))

    def is_following(self, follower: int, followee: int) -> bool:
        return (follower << 32 | followee) in self.edges

    def follow(self, follower: int, followee: int) -> None:
        self.edges.add(follower << 32 | followee)
        self.following.row(follower).append(followee)
        self.followers.row(followee).append(follower)
        self.n_following[follower] += 1
        self.n_followers[followee] += 1

    def follow_many(self, followers: np.ndarray, followees: np.ndarray) -> None:
        """:meth:`follow` for each pair in order (no pair an edge yet, none repeated), with
        the keys, rows and counts grown in bulk: the same rows, in the same order."""
        n = len(self.kind)
        self.edges.update(followers << 32 | followees)
        self.following.load(followers, followees, n)
        self.followers.load(followees, followers, n)
        for counts, keys in ((self.n_following, followers), (self.n_followers, followees)):
            grown = np.frombuffer(counts, dtype=np.int32) + np.bincount(keys, minlength=n)
            counts[:] = array("i", grown.astype(np.int32).tobytes())

    def unfollow(self, follower: int, followee: int) -> None:
        self.edges.discard(follower << 32 | followee)
        self.following.row(follower).remove(followee)
        self.followers.row(followee).remove(follower)
        self.n_following[follower] -= 1
        self.n_followers[followee] -= 1

    def learn(
        self,
        user: int,
        topics: int,
        weight: float,
        now: float,
        half_life: float,
        refresh: float = 0.0,
    ) -> None:
        """Move the user's topic affinity towards the topics they just engaged with, after
        fading what it held with ``half_life`` (hours; ``inf``: never): a time-decayed
        topic profile (Tang, Xu & Geva 2013), so recent engagement outweighs the interests
        declared at sign-up and the profile follows what the user reads. With ``refresh``
        (hours; 0: never) the first learning of each period first retrains
        :attr:`coengaged` (:meth:`retrain_coengagement`)."""
        if refresh and now >= self.coengaged_due:
            self.retrain_coengagement(now, half_life)
            self.coengaged_due = (now // refresh + 1) * refresh
        base = user * N_TOPICS
        aff = self.affinity
        since = now - self.learned_at[user]
        if since > 0:
            self.learned_at[user] = now
            fade = 0.5 ** (since / half_life)
            if fade < 1.0:
                for i in range(base, base + N_TOPICS):
                    aff[i] *= fade
        for t in TOPICS_OF_MASK[topics]:
            aff[base + t] += weight

    def learn_many(
        self,
        users: np.ndarray,
        topics: np.ndarray,
        weight: float,
        now: float,
        half_life: float,
        refresh: float = 0.0,
    ) -> None:
        """:meth:`learn` for each of ``users`` (with the topic mask of ``topics``) in order,
        all at ``now``, in one compiled call."""
        batch_kernels.warm_up()
        if refresh and now >= self.coengaged_due and users.size:
            self.retrain_coengagement(now, half_life)
            self.coengaged_due = (now // refresh + 1) * refresh
        batch_kernels.learn_many(
            users,
            topics,
            weight,
            now,
            half_life,
            batch_kernels.HALF,
            N_TOPICS,
            self.affinity,
            self.learned_at,
        )

    def retrain_coengagement(self, now: float, half_life: float) -> None:
        """Recompute :attr:`coengaged` from every profile faded to ``now``: how much the
        users into each topic are into each other topic — the co-occurrence table of
        item-to-item collaborative filtering (Linden, Smith & York 2003), retrained in a
        batch as platforms do, so a read costs nothing extra. (``einsum``, not BLAS: the
        same sums in the same order, so a replay rebuilds the table bit for bit.)"""
        n = len(self.kind)
        profiles = np.frombuffer(self.affinity, dtype=np.float32).reshape(n, N_TOPICS)
        age = now - np.frombuffer(self.learned_at, dtype=np.float64)
        faded = profiles * np.exp2(-age / half_life)[:, None]
        del profiles, age  # release the views: the columns must stay free to grow
        self.coengaged = np.einsum("ua,ut->at", faded, faded)

    # ------------------------------------------------------------ views

    def view(self, user: int) -> User:
        self.check(user)
        return User(
            id=user,
            name=self.names[user],
            kind=AccountKind(self.kind[user]).label,
            interests=topic_names(self.interests[user]),
            created_at=self.created_at[user],
            followers=self.n_followers[user],
            following=self.n_following[user],
            notes=self.n_notes[user],
        )

    def followees_of(self, user: int) -> tuple[int, ...]:
        return tuple(self.following.get(user, ()))

    def followers_of(self, user: int) -> tuple[int, ...]:
        return tuple(self.followers.get(user, ()))
