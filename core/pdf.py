"""HTML → PDF with WeasyPrint, one way for every printout: no resource outside the document is fetched (only
``data:`` URLs), so a template can never make the server read a file or call the network."""


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML, URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
