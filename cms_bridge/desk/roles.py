"""The desk's roles and what each may do; every view asks here, on the server."""

from __future__ import annotations

from typing import Literal

Role = Literal["clerk", "group_director", "committee", "pr", "ict_admin"]

#: Role keys and their Thai names, in the order of the process.
ROLES: dict[str, str] = {
    "clerk": "เจ้าหน้าที่กลุ่ม (ผู้ขอเผยแพร่)",
    "group_director": "ผู้อำนวยการกลุ่ม",
    "committee": "คณะกรรมการ (ผู้อนุญาต)",
    "pr": "งานประชาสัมพันธ์",
    "ict_admin": "ผู้ดูแลระบบ ICT",
}
#: Roles that belong to one group and see only its requests.
GROUP_ROLES: frozenset[str] = frozenset({"clerk", "group_director"})
