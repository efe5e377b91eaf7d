"""The sandbox's control surface under /_sandbox/: what tests, the demo and benchmarks in another process use."""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from sandbox.core import VendorSandbox, json_response
from sandbox.wsgi import SandboxApp


def control(app: SandboxApp, request: Request, action: str) -> Response:
    """Test/demo/benchmark control, from this process or another one (never a vendor API):

    GET  /_sandbox/health
    POST /_sandbox/reset                      every vendor back to its seed, faults and limits cleared
    GET  /_sandbox/log?vendor=&method=&status=&fault=&path_contains=&answer_contains=&limit=1000
    GET  /_sandbox/log/count?<the same filters>   {"count": n}
    GET|POST /_sandbox/faults                 {vendor or "*": {fault settings}} for several vendors at once
    GET  /_sandbox/stats                      the most requests in flight at once since log/clear (in all, and
                                              per vendor: "in_flight_peaks") and every vendor's table sizes
    POST /_sandbox/clock                      {"advance": seconds}
    GET|POST /_sandbox/<vendor>/faults        fault settings (sandbox/faults.py `Faults.configure`)
    POST /_sandbox/<vendor>/limits            {"limit": n | null, "window": seconds}
    POST /_sandbox/<vendor>/seed              keyword arguments of the vendor's seed()
    POST /_sandbox/<vendor>/revoke-tokens
    """
    body = VendorSandbox.body_json(request) if request.method == "POST" else None
    body = body if isinstance(body, dict) else {}
    if action == "health":
        return json_response({"ok": True, "vendors": sorted(app.vendors)})
    if action == "reset" and request.method == "POST":
        app.reset()
        return json_response({"reset": True})
    if action == "log/clear" and request.method == "POST":
        app.log.clear()
        app.in_flight_clear()
        return json_response({"cleared": True})
    if action == "stats":
        return json_response({"in_flight_peak": app.in_flight_peak, "in_flight_peaks": app.in_flight_peaks,
                              "tables": app.table_sizes()})
    if action in ("log", "log/count"):
        args = request.args
        entries = app.log.filter(
            vendor=args.get("vendor"), method=args.get("method"), path_contains=args.get("path_contains"),
            status=args.get("status", type=int), fault=args.get("fault"), answer_contains=args.get("answer_contains"),
            status_at_least=args.get("status_at_least", type=int))
        if action == "log/count":
            return json_response({"count": len(entries)})
        return json_response([e.__dict__ for e in entries][-args.get("limit", 1000, type=int):])
    if action == "clock" and request.method == "POST":
        app.clock.advance(float(body.get("advance", 0)))
        return json_response({"offset": app.clock.offset})
    if action == "faults":
        try:
            faults_apply(app, body)
        except KeyError as error:
            return json_response({"message": f"unknown vendor {error.args[0]}"}, 404)
        except (TypeError, ValueError) as error:
            return json_response({"message": str(error)}, 400)
        return json_response({name: vendor.faults.describe() for name, vendor in app.vendors.items()})
    name, _, verb = action.partition("/")
    vendor = app.vendors.get(name)
    if vendor is None:
        return json_response({"message": f"unknown vendor {name}"}, 404)
    try:
        if verb == "faults":
            if request.method == "POST":
                vendor.faults.configure(body)
            return json_response({"faults": vendor.faults.describe()})
        if verb == "limits" and request.method == "POST":
            vendor.limiter.limit = body.get("limit", vendor.limiter.limit)
            vendor.limiter.window = float(body.get("window", vendor.limiter.window))
            vendor.limiter.reset()
            return json_response({"limit": vendor.limiter.limit, "window": vendor.limiter.window})
        if verb == "seed" and request.method == "POST" and hasattr(vendor, "seed"):
            return json_response({"seeded": vendor.seed(**body)})
    except (TypeError, ValueError) as error:
        return json_response({"message": str(error)}, 400)
    if verb == "revoke-tokens" and request.method == "POST":
        return json_response({"revoked": vendor.tokens.revoke_all()})
    return json_response({"message": f"unknown control action {action}"}, 404)


def faults_apply(app: SandboxApp, faults: dict) -> None:
    for name, spec in faults.items():
        for vendor in (app.vendors.values() if name == "*" else [app[name]]):
            vendor.faults.configure(spec)
