#!/usr/bin/env python3
"""A Truce bot in plain Python: it joins a game with a seat's code and plays the seat to the end
by handing in, each turn, the orders its advisor proposes, then locking.

    pip install websockets
    python3 examples/bot.py http://192.168.1.20:7878 K7QM-3RXP

Everything here comes from docs/protocol.md and GET /schema.json: trade the code for a token
(POST /join), open GET /ws?version=7&token=..., then exchange JSON messages, one per text frame.
"""

import asyncio
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import websockets

PROTOCOL_VERSION = 7
# The server closes a socket that sends more than 20 messages a second; this stays well under.
PAUSE_BETWEEN_MESSAGES = 0.06


def join(server, code):
    """Trades the code for a one-use token: {"seat": ..., "role": ..., "token": ...}."""
    body = json.dumps({"code": code}).encode()
    request = urllib.request.Request(server + "/join", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as refusal:
        reason = json.loads(refusal.read() or b"{}").get("error", refusal.reason)
        raise SystemExit(f"the server refused the code ({refusal.code}): {reason}")


def socket_url(server, token):
    """The WebSocket address on the same host and port as the page."""
    base = server.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    query = urllib.parse.urlencode({"version": PROTOCOL_VERSION, "token": token})
    return f"{base}/ws?{query}"


class Seat:
    """What the bot knows of its seat: the last full view, kept current by patches."""

    def __init__(self):
        self.view = None
        self.played_turn = None

    def take(self, message):
        """Applies one server message; returns what to send back at once, if anything."""
        if isinstance(message, str):
            return None
        (kind, body), = message.items()
        if kind == "View":
            self.view = body
        elif kind == "Patch":
            if self.view is None or self.view["id"] != body["base"]:
                return "Refresh"  # a patch for a view we do not hold: ask for the whole view
            # A field that did not change is absent; one present (even null) has its new value.
            self.view.update({k: v for k, v in body.items() if k != "base"})
        elif kind == "Seats" and self.view is not None:
            self.view["seats"] = body
        elif kind == "Verdict" and not body["accepted"]:
            print(f"  refused: {body['what']}: {body['reason']}")
        elif kind == "Refused":
            print(f"  refused: {body['what']}: {body['reason']}")
        elif kind == "Notice":
            print(f"  notice: {body}")
        elif kind == "Goodbye":
            raise Leaving(body["reason"], body["rejoin"])
        return None

    def orders_due(self):
        """The advisor's orders and a lock, once per turn, while the orders phase is open."""
        view = self.view
        if view is None or view["phase"] != "Orders" or view["turn"] == self.played_turn:
            return []
        draft = view.get("draft") or {}
        if draft.get("locked"):
            self.played_turn = view["turn"]
            return []
        self.played_turn = view["turn"]
        advice = (view.get("options") or {}).get("advice", [])
        # After a reconnection the draft may hold some of them already.
        drafted = [entry["order"] for entry in draft.get("orders", [])]
        todo = [order for order in advice if order not in drafted]
        print(f"turn {view['turn']}: {len(todo)} orders from the advisor, then lock")
        return [{"Order": order} for order in todo] + [{"Seat": "Lock"}]

    def over(self):
        return self.view is not None and self.view["phase"] == "GameOver"


class Leaving(Exception):
    def __init__(self, reason, rejoin):
        super().__init__(reason)
        self.reason, self.rejoin = reason, rejoin


async def play_once(server, code, name, seat):
    """One connection: until the game ends (True) or the socket closes (False)."""
    reply = join(server, code)
    print(f"joined as {reply['role']} {reply['seat'] or ''}".rstrip())
    async with websockets.connect(socket_url(server, reply["token"]), max_size=None) as socket:
        await socket.send(json.dumps({"Hello": {"name": name}}))
        seat.view = None  # the server sends the whole view first
        async for frame in socket:
            answer = seat.take(json.loads(frame))
            if answer is not None:
                await socket.send(json.dumps(answer))
            if seat.over():
                return True
            for message in seat.orders_due():
                await socket.send(json.dumps(message))
                await asyncio.sleep(PAUSE_BETWEEN_MESSAGES)
    return False


def debrief(view):
    report = view.get("debrief") or {}
    print(f"game over: {report.get('ended', '')}")
    for place, entry in enumerate(report.get("ranking", []), 1):
        print(f"  {place}. {entry['name']}: {entry['score']}")


async def main(server, code, name):
    seat, wait = Seat(), 0.5
    while True:
        try:
            if await play_once(server, code, name, seat):
                debrief(seat.view)
                return 0
        except Leaving as goodbye:
            print(f"the server closed the connection: {goodbye.reason}")
            if not goodbye.rejoin:
                return 1
        except (OSError, websockets.exceptions.WebSocketException) as lost:
            print(f"connection lost ({lost}); joining again")
        # A token is good for one connection: the next attempt asks for a new one.
        seat.played_turn = None
        await asyncio.sleep(wait)
        wait = min(wait * 2, 5.0)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit("usage: bot.py http://HOST:PORT CODE [NAME]")
    address = sys.argv[1].rstrip("/")
    if "://" not in address:
        address = "http://" + address
    sys.exit(asyncio.run(main(address, sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "python bot")))
