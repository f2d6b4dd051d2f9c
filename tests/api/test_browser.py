"""The chat page end to end in headless Chromium: ask, watch tokens stream, open a citation at the span behind
its sentence, send feedback.

Needs Debian's `chromium` and `chromium-driver` packages (/usr/bin/chromium, /usr/bin/chromedriver).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ragops.config import Settings
from ragops.runtime import Runtime
from tests.api.conftest import LiveServer, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or shutil.which("chromedriver") is None,
    reason="needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver",
)

WAIT_S = 180  # an answer from the local model on 2 busy cores


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1280,900"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def extractive_server(runtime: Runtime, sample_collection: str) -> Iterator[LiveServer]:
    """A server answering in extractive mode: every sentence is cited, so there is always a span to open."""
    settings: Settings = runtime.settings
    answering = settings.answer.model_copy(update={"mode": "extractive"})
    with serving(settings.model_copy(update={"collection": sample_collection, "answer": answering}), runtime) as served:
        yield LiveServer(served[2], sample_collection)


def ask_in_page(browser: object, server: LiveServer, question: str) -> object:
    """Opens the page, picks the server's collection, asks, and returns the finished answer's list item."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert isinstance(browser, WebDriver)
    wait = WebDriverWait(browser, WAIT_S)
    browser.get(f"{server.base_url}/")
    assert browser.title.startswith("ragops")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#collection option[value='{server.collection}']"))
    Select(browser.find_element(By.ID, "collection")).select_by_value(server.collection)
    browser.find_element(By.ID, "question").send_keys(question)
    browser.find_element(By.ID, "ask").click()
    answer = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#log li.answer")))
    wait.until(lambda _: answer.find_elements(By.CSS_SELECTOR, ".feedback-up"))
    return answer


def test_ask_stream_cite_and_rate_in_the_browser(browser: object, live_server: LiveServer, runtime: Runtime) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # when a question is asked of the model
    answer = ask_in_page(browser, live_server, "What is retrieval-augmented generation?")
    assert isinstance(answer, WebElement)
    wait = WebDriverWait(browser, WAIT_S)

    # then tokens arrived one event at a time, and the finished answer says who wrote it and lists its sources
    text = answer.find_element(By.CSS_SELECTOR, ".answer-text")
    assert int(text.get_attribute("data-token-events") or 0) >= 2
    assert text.text.strip()
    assert "streaming" not in (text.get_attribute("class") or "")
    assert "model" in answer.find_element(By.CSS_SELECTOR, ".answered-by").text
    sources = answer.find_elements(By.CSS_SELECTOR, ".sources li button")
    assert sources

    # a citation opens its snippet and the arXiv abstract page link
    sources[0].click()
    dialog = wait.until(ec.visibility_of_element_located((By.ID, "source")))
    assert dialog.find_element(By.ID, "source-snippet").text.strip()
    assert (dialog.find_element(By.ID, "source-link").get_attribute("href") or "").startswith("https://arxiv.org/abs/")
    dialog.find_element(By.CSS_SELECTOR, "form[method=dialog] button").click()

    # and the thumbs-up is stored as feedback on this answer
    answer.find_element(By.CSS_SELECTOR, ".feedback-up").click()
    wait.until(lambda _: "Thanks" in answer.find_element(By.CSS_SELECTOR, ".feedback").text)
    request_id = answer.get_attribute("data-request-id")
    with runtime.db.connection() as conn:
        row = conn.execute("SELECT rating FROM feedback WHERE request_id = %s", (request_id,)).fetchone()
    assert row == (1,)


def test_a_citation_opens_the_span_behind_its_sentence(browser: object, extractive_server: LiveServer) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    answer = ask_in_page(browser, extractive_server, "How does iterative refinement make RAG answers more faithful?")
    assert isinstance(answer, WebElement)
    assert "quoted from the passages" in answer.find_element(By.CSS_SELECTOR, ".answered-by").text
    sentences = answer.find_elements(By.CSS_SELECTOR, ".answer-text .sentence")
    assert sentences and not answer.find_elements(By.CSS_SELECTOR, ".answer-text .unsupported")

    # the first sentence's marker opens its passage with that very sentence marked (extractive answers quote)
    answer.find_element(By.CSS_SELECTOR, ".answer-text .citation").click()
    dialog = WebDriverWait(browser, WAIT_S).until(ec.visibility_of_element_located((By.ID, "source")))
    marked = dialog.find_element(By.CSS_SELECTOR, "#source-snippet mark").text
    passage = dialog.find_element(By.ID, "source-snippet").text
    assert marked.strip() and len(passage) > len(marked)
    assert " ".join(marked.split()) == " ".join(sentences[0].text.split())
