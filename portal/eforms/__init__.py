"""The portal's e-forms (issue 10 point 4): the resident's IN-1, DO-1, request for a certificate of no arrears and
general letter (pismo ogólne) with attachments.

- :mod:`portal.eforms.forms` — the server-side validated Django forms,
- :mod:`portal.eforms.documents` — the CRD-style XML built from the cleaned data (the IN-1 and DO-1 carry the
  office's layouts, valid against taxes/data/forms/IN-1.xsd and DO-1.xsd),
- :mod:`portal.eforms.drafts` — the built, unsigned document kept between the preview and the signature,
- :mod:`portal.eforms.sending` — the simulated podpis zaufany and the send to the office's ePUAP box (UPP),
- :mod:`portal.eforms.submissions` — the resident's earlier submissions and their UPPs.
"""
