"""The chat page end to end in headless Chromium: ask, watch tokens stream, open a citation, send feedback.

Needs Debian's `chromium` and `chromium-driver` packages (/usr/bin/chromium, /usr/bin/chromedriver).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ragops.runtime import Runtime
from tests.api.conftest import LiveServer

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


def test_ask_stream_cite_and_rate_in_the_browser(browser: object, live_server: LiveServer, runtime: Runtime) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert isinstance(browser, WebDriver)
    wait = WebDriverWait(browser, WAIT_S)

    # given the page, with the collection picked
    browser.get(f"{live_server.base_url}/")
    assert browser.title.startswith("ragops")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#collection option[value='{live_server.collection}']"))
    Select(browser.find_element(By.ID, "collection")).select_by_value(live_server.collection)

    # when a question is asked
    browser.find_element(By.ID, "question").send_keys("What is retrieval-augmented generation?")
    browser.find_element(By.ID, "ask").click()

    # then tokens arrive one event at a time, and the finished answer lists its sources
    answer = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#log li.answer")))
    wait.until(lambda _: answer.find_elements(By.CSS_SELECTOR, ".feedback-up"))
    text = answer.find_element(By.CSS_SELECTOR, ".answer-text")
    assert int(text.get_attribute("data-token-events") or 0) >= 2
    assert text.text.strip()
    assert "streaming" not in (text.get_attribute("class") or "")
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
