#!/usr/bin/env python3
"""pyHanko's AdES validation of a PDF's signatures with no network at all.

Usage: pyhanko_offline.py --trust ROOT.pem [--expect b-lt|b-lta] FILE

Run with the Python of the pyHanko virtual environment (scripts/test.sh). Revocation data
must come from the document itself: pyHanko's revocation gathering is LOCAL_ONLY (no OCSP
or CRL fetching) and NEVER_FETCH (no caIssuers), and, in case anything still tried, every
socket connect() raises and is counted. Revocation data is required for every certificate
of each path below the trust anchor (REQUIRE_REVINFO, the policy of `pyhanko sign
adesverify`; freshness: thisUpdate..nextUpdate of the response, checked against the
validation time).

For each signature it prints:

  FIELD with-time: SUBINDICATION STATUS          ETSI EN 319 102-1 5.5 (signatures with time
                                                 and with long-term validation material), with
                                                 what the DSS and the CMS
                                                 (adbe-revocationInfoArchival) hold
  FIELD with-time without document data: ...     the same without the DSS and the CMS
                                                 revocation attribute (a control: must fail)
  FIELD lta: SUBINDICATION evidence-record=TIME  5.6.3 (long-term availability), the document
                                                 time-stamps as the evidence record
  FIELD validation data: certs=N ocsps=N crls=N  what the document holds

then `network connections attempted: N`.

--expect b-lt requires, for every signature, with-time PASSED (and pyHanko's own status
INTACT:TRUSTED), the control not PASSED and no connection attempt; --expect b-lta
additionally lta PASSED with a document time-stamp as evidence record. pyHanko 0.38's lta
process is not required for b-lt: without a document time-stamp it runs its past-signature
validation from the current time, and the certificates in the DSS have no proof of existence
before that instant (InsufficientPOEError, NO_POE) — for pyHanko's own B-LT output as well.
The exit status is 0 when the expectation holds, 1 when it does not, 2 on usage errors.
"""

import argparse
import asyncio
import logging
import socket
import sys

CONNECTS = []


def _refuse(self, address, *args, **kwargs):
    CONNECTS.append(repr(address))
    raise OSError("network access is disabled for offline validation: %r" % (address,))


# Before pyHanko (and aiohttp/requests) is imported.
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse

from asn1crypto import pem, x509  # noqa: E402
from asn1crypto.crl import CertificateList  # noqa: E402
from asn1crypto.ocsp import OCSPResponse  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY  # noqa: E402
from pyhanko.sign.general import (  # noqa: E402
    MultivaluedAttributeError,
    NonexistentAttributeError,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation.ades import (  # noqa: E402
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError  # noqa: E402
from pyhanko.sign.validation.policy_decl import (  # noqa: E402
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus  # noqa: E402
from pyhanko_certvalidator.context import CertValidationPolicySpec  # noqa: E402
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo  # noqa: E402
from pyhanko_certvalidator.policy_decl import (  # noqa: E402
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager  # noqa: E402
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer  # noqa: E402


def _without_traceback(record):
    """Logs an exception as its chain of messages instead of a traceback (-v keeps them)."""
    if record.exc_info and record.exc_info[1] is not None:
        chain, e = [], record.exc_info[1]
        while e is not None and len(chain) < 5:
            chain.append(f"{type(e).__name__}: {e}")
            e = e.__cause__ or e.__context__
        record.msg = f"{record.getMessage()} [{' <- '.join(chain)}]"
        record.args = None
        record.exc_info = None
        record.exc_text = None
    return True


def load_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    if pem.detect(data):
        data = pem.unarmor(data)[2]
    return x509.Certificate.load(data)


def document_knowledge(reader, embedded_sig):
    """The DSS and the signature's adbe-revocationInfoArchival as pyHanko local knowledge."""
    certs, ocsps, crls = [], [], []
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = list(dss.load_certs())
        for ref in dss.ocsps:
            ocsps.extend(OCSPContainer.load_multi(OCSPResponse.load(ref.get_object().data)))
        crls = [CRLContainer(CertificateList.load(ref.get_object().data)) for ref in dss.crls]
    except NoDSSFoundError:
        pass
    try:
        archival = find_unique_cms_attribute(
            embedded_sig.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
        ocsps.extend(OCSPContainer(o) for o in archival["ocsp"])
        crls.extend(CRLContainer(c) for c in archival["crl"])
    except (NonexistentAttributeError, MultivaluedAttributeError):
        pass
    return LocalKnowledge(known_certs=certs, known_ocsps=ocsps, known_crls=crls)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trust", required=True, help="trust anchor (PEM or DER)")
    ap.add_argument("--expect", choices=["b-lt", "b-lta"])
    ap.add_argument("-v", "--verbose", action="store_true", help="pyHanko's debug log")
    ap.add_argument("file")
    args = ap.parse_args()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_without_traceback)

    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[load_cert(args.trust)]),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    offline = RevocationInfoGatheringSpec(
        online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
        certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
    )
    bare_spec = SignatureValidationSpec(
        cert_validation_policy=policy, revinfo_gathering_policy=offline
    )

    failures = []
    with open(args.file, "rb") as f:
        reader = PdfFileReader(f)
        sigs = list(reader.embedded_regular_signatures)
        if not sigs:
            failures.append("no signatures")
        for sig in sigs:
            name = sig.field_name
            sig.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
            knowledge = document_knowledge(reader, sig)
            timing = ValidationTimingInfo.now()

            def with_time(spec):
                return asyncio.run(
                    ades_with_time_validation(
                        sig.signed_data,
                        spec,
                        timing_info=timing,
                        raw_digest=sig.compute_digest(),
                        extra_status_kwargs=sig.summarise_integrity_info(),
                        status_cls=PdfSignatureStatus,
                    )
                )

            full = SignatureValidationSpec(
                cert_validation_policy=policy,
                revinfo_gathering_policy=offline,
                local_knowledge=knowledge,
            )
            wt = with_time(full)
            wt_status = wt.api_status.summary() if wt.api_status else None
            print(f"{name} with-time: {wt.ades_subindic} {wt_status}"
                  + (f" ({wt.failure_msg})" if wt.failure_msg else ""))
            control = with_time(bare_spec)
            print(f"{name} with-time without document data: {control.ades_subindic}"
                  + (f" ({control.failure_msg})" if control.failure_msg else ""))
            lta = asyncio.run(
                ades_lta_validation(
                    sig,
                    PdfSignatureValidationSpec(bare_spec, diff_policy=DEFAULT_DIFF_POLICY),
                    timing_info=timing,
                )
            )
            er = lta.oldest_evidence_record_timestamp
            print(f"{name} lta: {lta.ades_subindic} evidence-record={er.isoformat() if er else None}"
                  + (f" ({lta.failure_msg})" if lta.failure_msg else ""))
            print(f"{name} validation data: certs={len(knowledge.known_certs)} "
                  f"ocsps={len(knowledge.known_ocsps)} crls={len(knowledge.known_crls)}")

            if args.expect:
                if str(wt.ades_subindic) != "AdESPassed.OK" or not (
                    wt.api_status and wt.api_status.bottom_line
                ):
                    failures.append(f"{name}: with-time is {wt.ades_subindic} {wt_status}")
                if not knowledge.known_ocsps and not knowledge.known_crls:
                    failures.append(f"{name}: the document holds no revocation data")
                if str(control.ades_subindic) == "AdESPassed.OK":
                    failures.append(f"{name}: passes without the document's data too")
            if args.expect == "b-lta":
                if str(lta.ades_subindic) != "AdESPassed.OK":
                    failures.append(f"{name}: lta is {lta.ades_subindic}")
                if er is None:
                    failures.append(f"{name}: no document time-stamp as evidence record")

    print(f"network connections attempted: {len(CONNECTS)}" +
          (" " + ", ".join(CONNECTS) if CONNECTS else ""))
    if CONNECTS:
        failures.append("pyHanko tried to connect")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
