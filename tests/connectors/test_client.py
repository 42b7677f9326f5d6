"""VendorClient over httpx.MockTransport: fences, retries, listing and record calls."""

import json
import uuid

import httpx
import pytest
from django.core.cache.backends.locmem import LocMemCache

from dashboard.connectors.client import ClientOptions, VendorClient, account_key
from dashboard.connectors.errors import RateLimited, VendorError
from dashboard.connectors.spec import SpecError, parse_spec

SECRET = "sk_live_never_leaks_4f2a"


def make_spec(**overrides):
    data = {
        "name": "Mock",
        "base_url": "https://api.vendor.test",
        "api_prefix": "/v1",
        "auth": {"type": "bearer_key", "key": SECRET},
        "pagination": {
            "style": "page_number",
            "size_param": "per_page",
            "default_size": 2,
            "max_size": 3,
            "records_path": "items",
            "total_path": "total",
        },
        "sort": {"param": "order_by", "style": "suffix"},
        "search_param": "q",
        "rate_limit": {"requests": 1000, "window": 60, "max_retries": 2},
        "resources": [
            {
                "name": "things",
                "path": "/things",
                "methods": ["list", "get", "create", "update", "delete"],
                "filterable": ["colour"],
                "sortable": ["name"],
            },
            {"name": "fixed", "path": "/fixed", "update_method": "PUT", "methods": ["update"]},
        ],
    }
    data.update(overrides)
    return parse_spec(data, {})


class Recorder:
    """A MockTransport handler that records requests and answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 1_800_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_for(handler, spec=None, **options):
    clock = FakeClock()
    client = VendorClient(
        spec or make_spec(),
        cache=LocMemCache(f"client-tests-{uuid.uuid4()}", {}),
        options=ClientOptions(**options),
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    client.sleeps = clock.sleeps
    return client


@pytest.fixture(autouse=True)
def _public_dns(monkeypatch):
    """api.vendor.test resolves to a public address; evil.test too; internal.test does not."""
    table = {"api.vendor.test": "93.184.216.34", "evil.test": "93.184.216.35"}

    def resolve(host, port, type=0):
        address = table.get(host, "10.0.0.5")
        return [(2, 1, 6, "", (address, port))]

    monkeypatch.setattr("dashboard.connectors.fences.socket.getaddrinfo", resolve)
    monkeypatch.setattr("dashboard.connectors.fences._RESOLVED", {})


def page(items, total=None, status=200, **headers):
    return httpx.Response(status, json={"items": items, "total": total}, headers=headers)


def test_list_page_sends_paging_sort_filter_and_search_params():
    recorder = Recorder(page([{"id": 1}, {"id": 2}], total=5))
    client = client_for(recorder)
    listing = client.list_page(
        "things", page=2, page_size=2, sort="-name", filters={"colour": "red"}, search="bolt"
    )
    sent = recorder.requests[0]
    assert sent.url.path == "/v1/things"
    assert dict(sent.url.params) == {
        "page": "2",
        "per_page": "2",
        "order_by": "name:desc",
        "colour": "red",
        "q": "bolt",
    }
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert listing.records == [{"id": 1}, {"id": 2}]
    assert (listing.total, listing.page_count, listing.has_next) == (5, 3, True)
    assert listing.sorted_by_vendor
    assert listing.filtered_by_vendor == {"colour"}


def test_page_size_is_capped_at_the_vendors_maximum():
    recorder = Recorder(page([]))
    client_for(recorder).list_page("things", page_size=500)
    assert recorder.requests[0].url.params["per_page"] == "3"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": {"size": "xl"}}, "cannot filter on 'size'"),
        ({"sort": "colour"}, "cannot be sorted by 'colour'"),
    ],
)
def test_unsupported_query_is_refused_before_sending(kwargs, message):
    recorder = Recorder(page([]))
    with pytest.raises(SpecError, match=message):
        client_for(recorder).list_page("things", **kwargs)
    assert recorder.requests == []


def test_iter_all_walks_every_page_once():
    data = [{"id": n} for n in range(7)]

    def answer(request):
        number = int(request.url.params["page"])
        return page(data[(number - 1) * 3 : number * 3], total=7)

    recorder = Recorder(answer)
    client = client_for(recorder)
    assert list(client.iter_all("things")) == data
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2", "3"]
    assert client.stats.pages == 3
    assert client.stats.records == 7


def test_cross_origin_next_link_is_refused_without_contacting_that_host():
    spec = make_spec(
        pagination={"style": "next_link", "next_path": "next", "records_path": "results"}
    )
    recorder = Recorder(
        httpx.Response(200, json={"results": [{"id": 1}], "next": "https://evil.test/steal"})
    )
    client = client_for(recorder, spec=spec)
    with pytest.raises(VendorError) as caught:
        list(client.iter_all("things"))
    assert caught.value.kind == "blocked"
    assert "evil.test" in caught.value.message
    assert {r.url.host for r in recorder.requests} == {"api.vendor.test"}


def test_a_next_link_to_another_path_of_the_vendor_is_refused():
    """A cursor that a user could put in a table's URL cannot read what the spec never lists."""
    spec = make_spec(
        pagination={"style": "next_link", "next_path": "next", "records_path": "results"}
    )
    recorder = Recorder(httpx.Response(200, json={"results": [{"id": 1}], "next": None}))
    client = client_for(recorder, spec=spec)
    page_two = client.list_page("things", cursor="https://api.vendor.test/v1/things/?page=2")
    assert page_two.records == [{"id": 1}]
    with pytest.raises(VendorError) as caught:
        client.list_page("things", cursor="https://api.vendor.test/v1/admin/api-keys?all=1")
    assert caught.value.kind == "pagination"
    assert "/v1/admin/api-keys" in caught.value.message
    assert [r.url.path for r in recorder.requests] == ["/v1/things/"]


def test_redirects_are_not_followed_and_foreign_ones_are_named():
    recorder = Recorder(httpx.Response(302, headers={"Location": "https://evil.test/login"}))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).get("things", "1")
    assert caught.value.kind == "blocked"
    assert len(recorder.requests) == 1


def test_internal_hosts_are_refused_unless_allowed():
    spec = make_spec(base_url="https://internal.test")
    recorder = Recorder(page([]))
    with pytest.raises(VendorError) as caught:
        client_for(recorder, spec=spec).list_page("things")
    assert caught.value.kind == "blocked"
    assert "ALLOW_PRIVATE_VENDOR_HOSTS" in caught.value.message
    assert recorder.requests == []
    client = client_for(recorder, spec=spec, allow_private_hosts=True)
    assert client.list_page("things").records == []


def test_oversized_answers_are_cut_off():
    big = json.dumps({"items": ["x" * 1000] * 100}).encode()
    recorder = Recorder(httpx.Response(200, content=big))
    with pytest.raises(VendorError) as caught:
        client_for(recorder, max_response_bytes=10_000).list_page("things")
    assert caught.value.kind == "too_large"


def test_reads_are_retried_on_503_with_backoff():
    recorder = Recorder(httpx.Response(503, text="busy"), page([{"id": 1}]))
    client = client_for(recorder)
    assert client.list_page("things").records == [{"id": 1}]
    assert len(recorder.requests) == 2
    assert client.stats.retries == 1
    assert len(client.sleeps) == 1


def test_reads_honour_retry_after_on_429():
    recorder = Recorder(
        httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "1"}),
        page([{"id": 1}]),
    )
    client = client_for(recorder)
    assert client.list_page("things").records == [{"id": 1}]
    assert sum(client.sleeps) == pytest.approx(1.0, abs=0.05)
    assert client.stats.rate_limited == 1
    assert len(recorder.requests) == 2


def test_a_long_retry_after_fails_fast_with_the_wait():
    recorder = Recorder(
        httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "120"})
    )
    with pytest.raises(RateLimited) as caught:
        client_for(recorder).list_page("things")
    assert caught.value.retry_after == 120
    assert len(recorder.requests) == 1


def test_writes_are_never_retried():
    recorder = Recorder(httpx.Response(503, text="busy"), httpx.Response(201, json={"id": 9}))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).create("things", {"name": "x"})
    assert caught.value.status == 503
    assert len(recorder.requests) == 1


def test_a_write_that_times_out_reports_an_unknown_outcome():
    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(VendorError) as caught:
        client_for(Recorder(timeout)).update("things", "1", {"name": "x"})
    assert caught.value.kind == "unknown_outcome"
    assert "reload" in caught.value.message


def test_update_uses_patch_or_put_as_the_resource_says():
    recorder = Recorder(httpx.Response(200, json={"id": "1", "name": "y"}))
    client = client_for(recorder)
    assert client.update("things", "1", {"name": "y"}) == {"id": "1", "name": "y"}
    client.update("fixed", "1", {"name": "y"})
    assert [r.method for r in recorder.requests] == ["PATCH", "PUT"]
    assert json.loads(recorder.requests[1].content) == {"name": "y"}


def test_delete_accepts_an_empty_204():
    recorder = Recorder(httpx.Response(204))
    client_for(recorder).delete("things", "1")
    assert recorder.requests[0].method == "DELETE"
    assert recorder.requests[0].url.path == "/v1/things/1"


def test_methods_the_spec_does_not_allow_are_refused():
    with pytest.raises(SpecError, match="'delete' is not allowed"):
        client_for(Recorder(page([]))).delete("fixed", "1")


def test_malformed_json_is_an_invalid_response():
    recorder = Recorder(httpx.Response(200, content=b"{not json"))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).list_page("things")
    assert caught.value.kind == "invalid_response"


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # nested beyond any parser
        (b'{"items": [], "total": 1' + b"0" * 400 + b"}", "whole number at 'total'"),
        (b'{"items": [], "total": "' + b"9" * 5000 + b'"}', "whole number at 'total'"),
        (b'{"items": [], "total": 1e400}', "whole number at 'total'"),
    ],
    ids=["deeply-nested", "huge-total", "endless-digits", "infinite-total"],
)
def test_absurd_answers_are_invalid_responses_not_crashes(content, detail):
    recorder = Recorder(httpx.Response(200, content=content))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).list_page("things")
    assert caught.value.kind == "invalid_response"
    assert detail in caught.value.message


def test_vendor_errors_never_carry_the_secret():
    recorder = Recorder(httpx.Response(401, json={"detail": "Invalid token."}))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).list_page("things")
    assert caught.value.status == 401
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.__dict__)


def test_a_secret_echoed_back_by_the_vendor_is_redacted():
    recorder = Recorder(httpx.Response(401, json={"errors": [f"Invalid API key {SECRET}"]}))
    with pytest.raises(VendorError) as caught:
        client_for(recorder).list_page("things")
    assert SECRET not in caught.value.message
    assert "[redacted]" in caught.value.message


def test_a_login_token_echoed_back_by_the_vendor_is_redacted():
    token = "tok-echoed-6f1d2c9b8a"
    spec = make_spec(
        auth={
            "type": "login_bearer",
            "login_path": "/login",
            "username": "ops@example.com",
            "password": SECRET,
            "access_token_path": "access",
        }
    )
    recorder = Recorder(
        httpx.Response(200, json={"access": token}),
        httpx.Response(400, json={"detail": f"Token {token} may not list things"}),
    )
    with pytest.raises(VendorError) as caught:
        client_for(recorder, spec=spec).list_page("things")
    assert recorder.requests[1].headers["Authorization"] == f"Bearer {token}"
    assert token not in caught.value.message
    assert "Token [redacted] may not list things" in caught.value.message


def test_an_oversized_login_answer_is_refused():
    spec = make_spec(
        auth={
            "type": "login_bearer",
            "login_path": "/login",
            "username": "ops@example.com",
            "password": SECRET,
            "access_token_path": "access",
        }
    )
    padding = "x" * (2 * 1024 * 1024)
    recorder = Recorder(httpx.Response(200, json={"access": "tok", "padding": padding}))
    with pytest.raises(VendorError) as caught:
        client_for(recorder, spec=spec).list_page("things")
    assert "larger than 1048576 bytes" in caught.value.message
    assert [request.url.path for request in recorder.requests] == ["/v1/login"]


def test_account_key_is_stable_and_does_not_reveal_the_secret():
    assert account_key(make_spec()) == account_key(make_spec())
    other = make_spec(auth={"type": "bearer_key", "key": "another"})
    assert account_key(other) != account_key(make_spec())
    assert SECRET not in account_key(make_spec())
