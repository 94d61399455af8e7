#!/usr/bin/env python3
"""End-to-end test of the lending console in a real headless browser.

    E2E_BASE_URL=http://127.0.0.1:3000 E2E_SCREENSHOTS=artifacts/screenshots python3 browser_test.py

Drives Chromium over WebDriver (Debian's `chromium` and `chromium-driver`, Selenium from PyPI)
against a running stack (scripts/e2e-local.sh starts one; the compose stack works too, with
E2E_BASE_URL=https://localhost:8443). It checks what a loan officer sees: the dashboard's 20
assets and 4 insights; a loan application whose refused amount shows its error beside the
field; the corrected application; the loan moved through its lifecycle; the stats chart
changing. A screenshot of every page goes to E2E_SCREENSHOTS.
"""

import os
import re
import sys
import unittest
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("E2E_BASE_URL", "http://127.0.0.1:3000").rstrip("/")
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "artifacts/screenshots"))


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--ignore-certificate-errors"):
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver


class LendingConsole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        SHOTS.mkdir(parents=True, exist_ok=True)
        cls.driver = browser()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def open(self, path: str):
        self.driver.get(BASE + path)
        WebDriverWait(self.driver, 10).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))

    def shot(self, name: str):
        # The whole page, not just the window.
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, max(1000, min(height + 40, 4000)))
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))
        self.driver.set_window_size(1280, 1000)

    def text(self, selector: str) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def repaid_count(self) -> int:
        self.open("/stats")
        bars = self.driver.find_elements(By.CSS_SELECTOR, "#by-status text")
        labels = [bar.text for bar in bars]
        if "repaid" not in labels:
            return 0
        return int(labels[labels.index("repaid") + 1])

    def test_1_dashboard_shows_the_portfolio(self):
        self.open("/")
        self.assertEqual(self.driver.title, "Portfolio · Lending console")
        cards = self.driver.find_elements(By.CSS_SELECTOR, "[data-insight]")
        self.assertEqual(len(cards), 4)
        self.assertIn("506,817.31", cards[0].text)
        self.assertIn("40.00%", cards[1].text)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#assets tbody tr")
        self.assertEqual(len(rows), 20)
        self.assertEqual(rows[0].find_element(By.TAG_NAME, "th").text, "asset-001")
        self.shot("01-dashboard")

        self.driver.find_element(By.CSS_SELECTOR, "#status option[value=paid]").click()
        self.driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        WebDriverWait(self.driver, 10).until(lambda d: "status=paid" in d.current_url)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#assets tbody tr")), 1)
        self.shot("02-dashboard-paid")

    def test_2_a_loan_from_application_to_repayment(self):
        repaid_before = self.repaid_count()
        self.open("/loans")
        self.shot("03-loans")
        self.driver.find_element(By.LINK_TEXT, "Apply for a loan").click()
        WebDriverWait(self.driver, 10).until(expected_conditions.url_contains("/loans/new"))
        self.shot("04-application-form")

        borrower = "usr_browser_e2e"
        self.driver.find_element(By.ID, "borrower_id").send_keys(borrower)
        self.driver.find_element(By.ID, "amount").send_keys("75000")
        self.driver.find_element(By.ID, "currency").send_keys("kes")
        self.driver.find_element(By.ID, "term_months").send_keys("6")
        self.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        error = WebDriverWait(self.driver, 10).until(expected_conditions.visibility_of_element_located((By.ID, "amount-error")))
        self.assertIn("must be greater than 0 and at most 50000", error.text)
        amount = self.driver.find_element(By.ID, "amount")
        self.assertEqual(amount.get_attribute("aria-invalid"), "true")
        self.assertEqual(amount.get_attribute("value"), "75000", "what was typed is kept")
        self.assertEqual(self.driver.find_element(By.ID, "borrower_id").get_attribute("value"), borrower)
        # The error sits right after the amount's input, beside it.
        following = amount.find_element(By.XPATH, "following-sibling::p[@class='error']")
        self.assertEqual(following.get_attribute("id"), "amount-error")
        self.shot("05-application-refused-amount")

        amount.clear()
        amount.send_keys("1500.00")
        self.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(self.driver, 10).until(expected_conditions.url_contains("notice=created"))
        self.assertIn("submitted", self.text(".notice"))
        self.assertEqual(self.text("#loan-status"), "pending")
        self.assertIn("1,500.00 KES", self.text("dl.facts"))
        loan_url = self.driver.current_url.split("?")[0]
        self.shot("06-loan-pending")

        for button, status in (("Approve", "approved"), ("Disburse", "disbursed"), ("Mark repaid", "repaid")):
            self.driver.find_element(By.XPATH, f"//button[normalize-space()='{button}']").click()
            WebDriverWait(self.driver, 10).until(lambda d, s=status: d.find_element(By.ID, "loan-status").text == s)
            self.assertIn("changed", self.text(".notice"))
            self.shot(f"07-loan-{status}")
        self.assertIn("lifecycle is complete", self.driver.page_source)

        self.assertEqual(self.repaid_count(), repaid_before + 1, "the chart counts the new repaid loan")
        self.shot("08-stats")
        self.driver.get(loan_url)
        self.assertEqual(self.text("#loan-status"), "repaid")

    def test_3_status_and_not_found(self):
        self.open("/status")
        states = [cell.text for cell in self.driver.find_elements(By.CSS_SELECTOR, "#tiers td:nth-of-type(1)")]
        self.assertTrue(states and all(state == "up" for state in states), states)
        self.shot("09-status")
        self.open("/no-such-page")
        self.assertEqual(self.text("h1"), "Page not found")
        self.shot("10-not-found")

    def test_4_pages_work_on_a_phone(self):
        self.driver.set_window_size(390, 844)
        self.open("/")
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        self.assertLessEqual(width, 390 + 1, "no sideways scrolling of the page itself")
        self.driver.save_screenshot(str(SHOTS / "11-dashboard-phone.png"))
        self.driver.set_window_size(1280, 1000)


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    print(f"screenshots in {SHOTS}: {', '.join(sorted(p.name for p in SHOTS.glob('*.png')))}")
    sys.exit(0 if result.wasSuccessful() else 1)
