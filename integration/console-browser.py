#!/usr/bin/env python3
"""Drives the console in headless Chromium (Debian's chromium and chromium-driver, through
selenium) and prints one `ok ...` or `FAIL ...` line per check, for console.sh to count.

  console-browser.py URL TOKEN OWNER LEASE FORGED_CHECKPOINT_URL FORGED_PROOF_URL SCREENSHOT
"""
import sys, traceback
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, token, owner, lease, forged_cp, forged_proof, screenshot = sys.argv[1:8]


def result(good, what):
    print(("ok   " if good else "FAIL ") + what, flush=True)


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1800"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def text(d, id_):
    return d.find_element(By.ID, id_).text


def wait_text(d, id_, pred, timeout=20):
    try:
        WebDriverWait(d, timeout).until(lambda d: pred(text(d, id_)))
        return True
    except Exception:
        return False


def sign_in(d, base, tok):
    d.delete_all_cookies()
    d.get(base + "/console")
    d.execute_script("sessionStorage.clear(); localStorage.clear();")
    d.get(base + "/console")
    d.find_element(By.ID, "token").send_keys(tok)
    d.find_element(By.ID, "signin-button").click()


def open_lease(d):
    WebDriverWait(d, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#leases tbody tr[data-lease="{owner}/{lease}"]'))
    d.find_element(By.CSS_SELECTOR, f'#leases tbody tr[data-lease="{owner}/{lease}"]').click()


d = browser()
try:
    # The page loads for anyone; without a token it shows no entries.
    d.get(url + "/console")
    result(d.title == "Leasehold audit console", f"GET /console loads the sign-in page (title {d.title!r})")
    d.find_element(By.ID, "signin-button").click()
    got = wait_text(d, "signin-error", lambda t: "401" in t or "auditor token" in t)
    result(got and not d.find_element(By.ID, "app").is_displayed(),
           f"no token: refused ({text(d, 'signin-error')!r}) and no log data shown")

    # With the auditor token: checkpoint verified, a lease's timeline, every entry proven.
    sign_in(d, url, token)
    result(wait_text(d, "checkpoint-status", lambda t: t == "verified"), f"checkpoint signature verified in the browser ({text(d, 'checkpoint-status')!r})")
    open_lease(d)
    proven = wait_text(d, "lease-proofs", lambda t: t.startswith("verified") or t.startswith("NOT"), 60)
    result(proven and text(d, "lease-proofs").startswith("verified"), f"lease timeline: every entry's inclusion proof verified ({text(d, 'lease-proofs')!r})")
    rows = d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
    kinds = [r.find_elements(By.TAG_NAME, "td")[2].text for r in rows]
    result({"lease.issued", "key.granted", "key.denied", "lease.revoked"} <= set(kinds), f"the timeline shows issue, grant, denial and revocation ({kinds})")
    result(all(r.find_elements(By.TAG_NAME, "td")[4].text.startswith("verified") for r in rows), "  ...each row says verified")
    purpose = [r for r in d.find_elements(By.CSS_SELECTOR, "#lease-facts dd")][0].text
    result("<b>" in purpose and not d.find_elements(By.CSS_SELECTOR, "#lease-facts b"), f"log text is shown as text, never markup (purpose {purpose!r})")
    rows[1].find_element(By.CSS_SELECTOR, "button.show-proof").click()
    result(wait_text(d, "proof-status", lambda t: t == "verified"), f"an entry's inclusion proof, opened: {text(d, 'proof-status')!r}, path of {len(d.find_elements(By.CSS_SELECTOR, '#proof-path li'))} hashes")
    d.find_element(By.ID, "lease-panel").screenshot(screenshot)
    result(True, f"screenshot of the lease page saved: {screenshot}")
    # Network errors are expected (the 401 of the no-token sign-in, a missing favicon); a
    # script error or a Content-Security-Policy violation is not.
    errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE" and e.get("source") != "network"]
    result(not errors, f"no script errors or CSP violations in the browser console ({errors[:2]})")

    # A server that forges the checkpoint, or a proof: the browser says NOT verified.
    sign_in(d, forged_cp, token)
    result(wait_text(d, "checkpoint-status", lambda t: t.startswith("NOT verified")), f"forged checkpoint: {text(d, 'checkpoint-status')!r}")
    sign_in(d, forged_proof, token)
    result(wait_text(d, "checkpoint-status", lambda t: t == "verified"), "forged proofs, genuine checkpoint: the checkpoint still verifies")
    open_lease(d)
    result(wait_text(d, "lease-proofs", lambda t: t.startswith("NOT verified"), 60), f"forged proofs: {text(d, 'lease-proofs')!r}")
    rows = d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
    rows[0].find_element(By.CSS_SELECTOR, "button.show-proof").click()
    result(wait_text(d, "proof-status", lambda t: t.startswith("NOT verified")), f"  ...and the opened proof: {text(d, 'proof-status')!r}")
except Exception:
    result(False, "the browser test stopped: " + traceback.format_exc().replace("\n", " | ")[-600:])
finally:
    d.quit()
