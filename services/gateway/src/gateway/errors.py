from __future__ import annotations

from edudx_common.errors import NotFound


class UnknownService(NotFound):
    code = "unknown_service"
    title = "Không có dịch vụ này"
