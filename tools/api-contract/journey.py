"""The contract journey through a client generated from openapi/openapi.json.

backend/tests/api_contract.rs generates the client (openapi-python-client, package
`tachiai_client`) into a temporary directory, starts a real server, issues API tokens for a
staff member and an approver, and runs this script with:

  TACHIAI_URL              the server
  TACHIAI_STAFF_TOKEN      staff's API token (drafts, uploads, routes, submits, sends)
  TACHIAI_APPROVER_TOKEN   the approver's API token
  TACHIAI_APPROVER_ID      the approver's user id
  TACHIAI_OUTBOX           the server's mail outbox (.eml files), where the counterparty's
                           link and one-time code arrive
  TACHIAI_PDF              the contract PDF to upload
  TACHIAI_SEALED_OUT       where to write the sealed PDF

Only the generated functions and models talk to the server: a wrong name, type, status or
body in the document breaks this script.
"""

import email
import email.policy
import os
import re
import sys
import time
from http import HTTPStatus
from pathlib import Path

from tachiai_client import AuthenticatedClient, Client
from tachiai_client.api.contracts import (
    contracts_approve,
    contracts_create,
    contracts_download,
    contracts_get,
    contracts_send,
    contracts_set_recipients,
    contracts_set_route,
    contracts_submit,
    contracts_upload,
)
from tachiai_client.api.signing import (
    signing_agree,
    signing_send_code,
    signing_verify,
    signing_view,
)
from tachiai_client.models import (
    ApprovalRouteRequest,
    ApprovalRule,
    ApprovalStepRequest,
    CommentRequest,
    ContractRequest,
    ContractState,
    ContractView,
    DocumentRole,
    RecipientRequest,
    RecipientsRequest,
    RecipientState,
    SigningAgreeRequest,
    SigningVerifyRequest,
)
from tachiai_client.types import File

URL = os.environ["TACHIAI_URL"]
OUTBOX = Path(os.environ["TACHIAI_OUTBOX"])
COUNTERPARTY = "keiyaku@counterparty.example.co.jp"


def step(name: str) -> None:
    print(f"journey: {name}", flush=True)


def expect(response, status: HTTPStatus):
    """The parsed body of a response with the expected status (else the script fails)."""
    if response.status_code != status:
        sys.exit(f"expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


def mails_to(address: str) -> list[email.message.EmailMessage]:
    """The outbox's mails to `address`, oldest first (the files are named by time)."""
    found = []
    for path in sorted(OUTBOX.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(msg.get("To", "")):
            found.append(msg)
    return found


def text_of(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def wait_for_mail(address: str, seen: int, pattern: str) -> re.Match:
    """Waits for a mail to `address` after the first `seen` whose text matches `pattern`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for msg in mails_to(address)[seen:]:
            match = re.search(pattern, text_of(msg))
            if match:
                return match
        time.sleep(0.2)
    sys.exit(f"no mail to {address} matching {pattern}")


def main() -> None:
    staff = AuthenticatedClient(base_url=URL, token=os.environ["TACHIAI_STAFF_TOKEN"])
    approver = AuthenticatedClient(base_url=URL, token=os.environ["TACHIAI_APPROVER_TOKEN"])
    public = Client(base_url=URL)

    step("create a draft")
    draft = ContractRequest(
        title="庁舎清掃業務委託契約 (generated client)",
        counterparty_name="株式会社テスト商事",
        amount_yen=1_234_000,
        period_start="2026-04-01",
        period_end="2027-03-31",
    )
    contract: ContractView = expect(
        contracts_create.sync_detailed(client=staff, body=draft), HTTPStatus.CREATED
    )
    assert contract.state == ContractState.DRAFT, contract.state
    cid = contract.id

    step("upload the PDF")
    pdf = Path(os.environ["TACHIAI_PDF"]).read_bytes()
    contract = expect(
        contracts_upload.sync_detailed(
            cid,
            client=staff,
            role="main",
            file_name="contract.pdf",
            body=File(payload=pdf, file_name="contract.pdf", mime_type="application/pdf"),
        ),
        HTTPStatus.CREATED,
    )
    assert any(d.role == DocumentRole.MAIN for d in contract.documents)

    step("recipients and approval route")
    recipients = RecipientsRequest(
        recipients=[
            RecipientRequest(
                organization_name="株式会社テスト商事",
                name="契約 担当",
                email=COUNTERPARTY,
            )
        ]
    )
    expect(contracts_set_recipients.sync_detailed(cid, client=staff, body=recipients), HTTPStatus.OK)
    route = ApprovalRouteRequest(
        steps=[
            ApprovalStepRequest(
                name="課長決裁",
                rule=ApprovalRule.ALL,
                approver_ids=[os.environ["TACHIAI_APPROVER_ID"]],
            )
        ]
    )
    contract = expect(contracts_set_route.sync_detailed(cid, client=staff, body=route), HTTPStatus.OK)

    step("submit, approve, send")
    # The comment is optional: `None` sends no body, as the document allows.
    contract = expect(contracts_submit.sync_detailed(cid, client=staff, body=None), HTTPStatus.OK)
    assert contract.state == ContractState.PENDING_APPROVAL, contract.state
    contract = expect(
        contracts_approve.sync_detailed(
            cid, client=approver, body=CommentRequest(comment="内容を確認しました")
        ),
        HTTPStatus.OK,
    )
    assert contract.state == ContractState.APPROVED, contract.state
    contract = expect(contracts_send.sync_detailed(cid, client=staff, body=None), HTTPStatus.OK)
    assert contract.state == ContractState.SENT, contract.state

    step("the counterparty confirms with the mailed code and agrees")
    link = wait_for_mail(COUNTERPARTY, 0, r"/sign/([A-Za-z0-9_-]+)")
    token = link.group(1)
    view = expect(signing_view.sync_detailed(token, client=public), HTTPStatus.OK)
    assert view.verified is False
    seen = len(mails_to(COUNTERPARTY))
    expect(signing_send_code.sync_detailed(token, client=public), HTTPStatus.NO_CONTENT)
    code = wait_for_mail(COUNTERPARTY, seen, r"(?<!\d)(\d{6})(?!\d)").group(1)
    session = expect(
        signing_verify.sync_detailed(
            token, client=public, body=SigningVerifyRequest(code=code)
        ),
        HTTPStatus.OK,
    )
    signer = AuthenticatedClient(base_url=URL, token=session.session_token)
    expect(
        signing_agree.sync_detailed(token, client=signer, body=SigningAgreeRequest(consent=True)),
        HTTPStatus.NO_CONTENT,
    )

    step("wait until concluded")
    deadline = time.monotonic() + 120
    while True:
        contract = expect(contracts_get.sync_detailed(cid, client=staff), HTTPStatus.OK)
        if contract.state == ContractState.CONCLUDED:
            break
        if time.monotonic() > deadline:
            sys.exit(f"not concluded: {contract.state}")
        time.sleep(0.2)
    assert all(r.state == RecipientState.AGREED for r in contract.recipients)

    step("download the sealed PDF")
    sealed = [d for d in contract.documents if d.role == DocumentRole.SEALED][-1]
    response = contracts_download.sync_detailed(cid, sealed.id, client=staff)
    if response.status_code != HTTPStatus.OK:
        sys.exit(f"download: {response.status_code}")
    Path(os.environ["TACHIAI_SEALED_OUT"]).write_bytes(response.content)
    step("done")


if __name__ == "__main__":
    main()
