"""The HTML docs build offline (`au-docs html`) and work in a real browser: headless Chromium (Debian's package).

Two sites are built into a temporary folder: the compendium's own notebooks with their stored outputs, and a
small fixture site run with `--execute` so that a real matplotlib figure goes through the whole pipeline.
One Chromium, driven over the DevTools protocol (`--remote-debugging-pipe`: no extra Python package), opens
every page and checks that it loads with its local style sheet, requests nothing but local files and `data:`
URIs, shows no directive comment or hidden cell, draws every image (naturalWidth > 0, and the PNG decodes to
the same size in Python), carries the API reference of the core and losses modules, and that every relative
link points to a built file and, with a #fragment, to an element of that page.
Chromium is installed with apt-get when missing (as root); the browser tests are skipped, saying why, only
when that is impossible."""
import base64, io, json, os, queue, re, shutil, subprocess, threading, time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat, pytest
from PIL import Image

from au_compendium.docs import build_html_docs, docs_cli

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--no-default-browser-check', '--hide-scrollbars', '--mute-audio']

# ---------------------------------------------------------------------------------------------------------------
# Chromium over the DevTools protocol, through a pipe
# ---------------------------------------------------------------------------------------------------------------
def chromium_path() -> str:
    "Path of Debian's chromium, installing it with apt-get when missing; skips the test when that is impossible."
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if exe: return exe
    if not shutil.which('apt-get'): pytest.skip('chromium is not installed and this system has no apt-get to install it')
    if os.geteuid() != 0: pytest.skip('chromium is not installed and installing it needs root: apt-get install -y chromium')
    env = {**os.environ, 'DEBIAN_FRONTEND': 'noninteractive'}
    try:
        r = subprocess.run('apt-get update && apt-get install -y chromium', shell=True, env=env,
                           capture_output=True, text=True, timeout=1500)
    except subprocess.TimeoutExpired: pytest.skip('installing chromium with apt-get took more than 25 minutes')
    exe = shutil.which('chromium')
    if not exe: pytest.skip(f'could not install chromium with apt-get (exit {r.returncode}): {(r.stderr or r.stdout)[-600:]}')
    return exe

class Browser:
    "A headless Chromium driven through `--remote-debugging-pipe` (fds 3 and 4 carry NUL-terminated JSON)."
    def __init__(self, exe: str, profile: Path):
        # bash moves our stdin/stdout pipes to fds 3 and 4, where Chromium expects them, then becomes Chromium.
        cmd = ['bash', '-c', 'exec 3<&0 4>&1 </dev/null >/dev/null; exec "$0" "$@"', exe, *FLAGS,
               f'--user-data-dir={profile}', '--remote-debugging-pipe', '--window-size=1280,900', 'about:blank']
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.msgs, self.events, self.next_id = queue.Queue(), [], 0
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        self.sid = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        for domain in ('Page', 'Network', 'Runtime', 'Log'): self.call(f'{domain}.enable', session=True)

    def _read(self):
        buf = b''
        while chunk := self.proc.stdout.read1(1 << 16):
            buf += chunk
            *done, buf = buf.split(b'\0')
            for m in done: self.msgs.put(json.loads(m))
        self.msgs.put(None)

    def _next(self, deadline: float):
        try: m = self.msgs.get(timeout=max(0.01, deadline - time.time()))
        except queue.Empty: raise TimeoutError('Chromium did not answer in time') from None
        if m is None: raise RuntimeError(f'Chromium exited (code {self.proc.poll()})')
        return m

    def call(self, method: str, session: bool = False, timeout: float = 30, **params):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params}
        if session: msg['sessionId'] = self.sid
        self.proc.stdin.write(json.dumps(msg).encode() + b'\0'); self.proc.stdin.flush()
        deadline = time.time() + timeout
        while True:
            m = self._next(deadline)
            if m.get('id') == self.next_id:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
                return m['result']
            self.events.append(m)

    def wait_event(self, method: str, timeout: float = 30):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get('method') == method and e.get('sessionId') == self.sid: return self.events.pop(i)
            self.events.append(self._next(deadline))

    def open(self, url: str) -> dict:
        "Load `url`, wait for its load event and for its images to decode, and return what `_PROBE` finds."
        self.events.clear()
        r = self.call('Page.navigate', session=True, url=url)
        assert not r.get('errorText'), f'{url}: {r["errorText"]}'
        self.wait_event('Page.loadEventFired')
        res = self.call('Runtime.evaluate', session=True, expression=_PROBE, returnByValue=True, awaitPromise=True)
        assert 'exceptionDetails' not in res, f'{url}: probe failed: {res["exceptionDetails"]}'
        page = res['result']['value']
        page['requests'] = [e['params']['request']['url'] for e in self.events if e.get('method') == 'Network.requestWillBeSent']
        page['errors'] = [e['params'] for e in self.events if e.get('method') in ('Runtime.exceptionThrown', 'Network.loadingFailed')
                          or (e.get('method') == 'Log.entryAdded' and e['params']['entry']['level'] == 'error')]
        return page

    def screenshot(self, url: str, path: Path, scroll_to: str | None = None):
        "Save a PNG of `url` (scrolled to element id `scroll_to`): for looking at the pages by eye."
        self.open(url)
        if scroll_to: self.call('Runtime.evaluate', session=True, expression=f'document.getElementById({json.dumps(scroll_to)}).scrollIntoView()')
        path.write_bytes(base64.b64decode(self.call('Page.captureScreenshot', session=True, format='png')['data']))

    def close(self):
        try: self.call('Browser.close', timeout=5)
        except Exception: pass
        try: self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()

# What each page reports about itself once loaded (the pages have no scripts of their own).
_PROBE = r"""(async () => {
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const nav = document.querySelector('nav.sidebar');
  return {
    title: document.title,
    h1: (document.querySelector('main h1') || {}).textContent || '',
    sidebar_position: nav ? getComputedStyle(nav).position : null,
    sidebar_links: nav ? nav.querySelectorAll(':scope > ul > li > a[href]').length : 0,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    links: [...document.querySelectorAll('a[href]')].map(a => ({href: a.getAttribute('href'), abs: a.href})),
    images: imgs.map(i => ({src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight, complete: i.complete})),
    directive_lines: [...document.querySelectorAll('.cell pre')].filter(p => /^\s*#\s*\|/m.test(p.textContent)).length,
    api_heading: (document.querySelector('section.api h2') || {}).textContent || '',
    entries: [...document.querySelectorAll('section.api .entry')].map(e => ({
      id: e.id, signature: (e.querySelector('pre') || {}).textContent || '',
      doc: (e.querySelector(':scope > .doc') || {}).textContent || '',
      params: e.querySelectorAll(':scope > table tbody tr').length})),
    text: document.body.innerText,
  };
})()"""

# ---------------------------------------------------------------------------------------------------------------
# the sites
# ---------------------------------------------------------------------------------------------------------------
HIDDEN = 'HIDDEN_CELL_MARKER_7f3a'

def _fixture(tmp: Path) -> Path:
    "A tiny compendium: settings.ini and two notebooks, one drawing a figure when executed."
    shutil.copy(ROOT/'settings.ini', tmp/'settings.ini')
    nbs = tmp/'nbs'; nbs.mkdir()
    def nb(*cells):
        n = nbformat.v4.new_notebook(metadata={'kernelspec': {'name': 'python3', 'display_name': 'python3', 'language': 'python'}})
        for i, (kind, src) in enumerate(cells):
            c = nbformat.v4.new_markdown_cell(src) if kind == 'md' else nbformat.v4.new_code_cell(src)
            c.id = f'f{i}'; n.cells.append(c)
        return n
    nbformat.write(nb(('md', '# Fixture\n\n> A two-page site.'), ('md', 'The figure is [here](01_plot.ipynb#a-figure).')), nbs/'index.ipynb')
    nbformat.write(nb(('md', '# Plot: one figure\n\n> Drawn when the site is built with `--execute`.'),
                      ('code', f'#| hide\n{HIDDEN} = 1'),
                      ('md', '## A figure'),
                      ('code', "#| echo: false\nprint('echo-less output')"),
                      ('code', "#| slow\nraise RuntimeError('a slow cell ran although it is skipped by default')"),
                      ('code', '#| export\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\nax.plot([0, 1, 2], [0, 1, 4])\nplt.show()')),
                   nbs/'01_plot.ipynb')
    return nbs

@pytest.fixture(scope='module')
def sites(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('docs')
    t = time.time()
    real = build_html_docs(tmp/'real', quiet=True)
    t_real = time.time() - t
    fx = tmp/'fixture'; fx.mkdir()
    nbs = _fixture(fx)
    t = time.time()
    docs_cli(['html', '--execute', '--nbs', str(nbs), '--out', str(fx/'_docs')])
    print(f'\nbuilt the docs in {t_real:.1f} s, the executed fixture site in {time.time() - t:.1f} s')
    return dict(real=real, real_dir=tmp/'real', fixture_dir=fx/'_docs', tmp=tmp)

@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    b = Browser(chromium_path(), tmp_path_factory.mktemp('chromium-profile'))
    yield b
    b.close()

def _visit(browser, out: Path) -> dict[Path, dict]:
    "Open every built HTML page of the site in `out`."
    pages = {}
    for f in sorted(out.rglob('*.html')):
        pages[f.resolve()] = browser.open(f.resolve().as_uri())
    return pages

@pytest.fixture(scope='module')
def visited(sites, browser):
    t = time.time()
    v = {k: _visit(browser, sites[f'{k}_dir']) for k in ('real', 'fixture')}
    print(f'\nopened {sum(map(len, v.values()))} pages in Chromium in {time.time() - t:.1f} s')
    return v

# ---------------------------------------------------------------------------------------------------------------
# tests without a browser
# ---------------------------------------------------------------------------------------------------------------
def test_build_covers_every_notebook(sites):
    real = sites['real']
    assert real['errors'] == [], real['errors']
    nbs = sorted(p.relative_to(ROOT/'nbs').with_suffix('.html').as_posix() for p in (ROOT/'nbs').glob('*.ipynb'))
    assert set(nbs) <= set(real['pages']), set(nbs) - set(real['pages'])
    assert 'index.html' in real['pages'] and 'api.html' in real['pages']
    assert 'au_compendium.core' in real['modules']
    if (ROOT/'au_compendium'/'losses.py').exists(): assert real['modules'].get('au_compendium.losses', 0) > 0, real['modules']

def test_no_remote_resources_in_html(sites):
    "No page refers to a script, style sheet, frame or image on the network (links to read elsewhere are fine)."
    bad = re.compile(r'<(script|link|img|iframe|source|embed|object)\b[^>]*\b(src|href|data)\s*=\s*["\']?\s*(https?:)?//', re.I)
    for k in ('real_dir', 'fixture_dir'):
        for f in sites[k].rglob('*.html'):
            m = bad.search(f.read_text())
            assert m is None, f'{f.name} would load {m.group(0)!r} from the network'
            assert '<script' not in f.read_text(), f'{f.name} has a script'

def test_nbdev_quarto_config_is_kept():
    "`nbdev_docs` (with quarto) finds its configuration and would not rewrite tracked files; its runners see only notebooks."
    import yaml
    from nbdev.quarto import refresh_quarto_yml, _quarto_yml
    from nbdev.doclinks import nbglob
    nbs = ROOT/'nbs'
    q = yaml.safe_load((nbs/'_quarto.yml').read_text())
    assert q['project']['type'] == 'website' and set(q['metadata-files']) >= {'nbdev.yml', 'sidebar.yml'}
    assert (nbs/q['format']['html']['css']).exists()
    assert yaml.safe_load(_quarto_yml) == q, 'nbs/_quarto.yml differs from what nbdev 2 writes'
    with pytest.MonkeyPatch.context() as mp:
        tmp = Path(__import__('tempfile').mkdtemp())
        shutil.copy(ROOT/'settings.ini', tmp/'settings.ini'); (tmp/'nbs').mkdir()
        shutil.copy(nbs/'_quarto.yml', tmp/'nbs'/'_quarto.yml')
        mp.chdir(tmp); refresh_quarto_yml()
        assert (tmp/'nbs'/'nbdev.yml').read_text() == (nbs/'nbdev.yml').read_text(), 'nbs/nbdev.yml is stale: nbdev would rewrite it'
        assert (tmp/'nbs'/'_quarto.yml').read_text() == (nbs/'_quarto.yml').read_text()
        shutil.rmtree(tmp)
    found = nbglob(nbs)  # what nbdev_test, nbdev_clean and nbdev_export walk
    assert found and all(str(f).endswith('.ipynb') for f in found), found

# ---------------------------------------------------------------------------------------------------------------
# tests in the browser
# ---------------------------------------------------------------------------------------------------------------
def test_every_page_loads(sites, visited):
    for k in ('real', 'fixture'):
        assert len(visited[k]) >= 2
        n_nav = None
        for f, p in visited[k].items():
            where = f.relative_to(sites[f'{k}_dir'])
            assert p['h1'].strip() and p['title'], f'{where}: no title'
            assert p['sidebar_position'] == 'fixed', f'{where}: style.css did not apply (sidebar is {p["sidebar_position"]})'
            assert p['directive_lines'] == 0, f'{where}: a code cell still shows a #| directive'
            assert not p['errors'], f'{where}: {p["errors"][:3]}'
            remote = [u for u in p['requests'] if not u.startswith(('file:', 'data:', 'about:'))]
            assert not remote, f'{where} requested {remote[:3]}'
            if where.parts[0] != '_repo':
                assert n_nav in (None, p['sidebar_links']), f'{where}: sidebar differs from the other pages'
                n_nav = p['sidebar_links']
        assert n_nav >= len([f for f in visited[k] if f.relative_to(sites[f'{k}_dir']).parts[0] != '_repo'])

def test_internal_links_resolve(sites, visited):
    for k in ('real', 'fixture'):
        out = sites[f'{k}_dir'].resolve()
        ids = {f: set(p['ids']) for f, p in visited[k].items()}
        n = 0
        for f, p in visited[k].items():
            for link in p['links']:
                u = urlsplit(link['abs'])
                if u.scheme in ('http', 'https', 'mailto'): continue
                assert u.scheme == 'file', f'{f.name}: odd link {link["href"]}'
                target = Path(unquote(u.path)).resolve()
                assert target.is_relative_to(out), f'{f.name}: {link["href"]} leaves the site'
                assert target.is_file(), f'{f.name}: {link["href"]} points to a missing file'
                if u.fragment and target.suffix == '.html':
                    assert unquote(u.fragment) in ids[target], f'{f.name}: {link["href"]}: no element #{u.fragment} there'
                n += 1
        assert n > 10 if k == 'real' else n >= 3, n

def _api_entries(visited, module: str) -> dict[str, dict]:
    return {e['id']: e for p in visited['real'].values() for e in p['entries'] if e['id'].startswith(module + '.')}

@pytest.mark.parametrize('modname', ['core', 'losses'])
def test_api_reference(visited, modname):
    import importlib, inspect
    if not (ROOT/'au_compendium'/f'{modname}.py').exists(): pytest.skip(f'au_compendium/{modname}.py is not written yet')
    mod = importlib.import_module(f'au_compendium.{modname}')
    full = f'au_compendium.{modname}'
    heads = [p['api_heading'] for p in visited['real'].values() if full in p['api_heading']]
    assert heads, f'no page has the API reference of {full}'
    entries = _api_entries(visited, full)
    assert mod.__all__
    for name in mod.__all__:
        e = entries.get(f'{full}.{name}')
        assert e is not None, f'{full}.{name} is missing from the API reference'
        obj = getattr(mod, name)
        assert re.match(rf'(class |def )?{re.escape(name)}\b', e['signature'].strip()), f'{name}: signature {e["signature"][:80]!r}'
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and inspect.getdoc(obj):
            assert e['doc'].strip(), f'{name}: docstring not shown'
            if inspect.isfunction(obj) and inspect.signature(obj).parameters:
                assert e['params'] > 0, f'{name}: no parameter table'

def test_images_render(sites, visited):
    "Every image decodes in the browser; the executed figure is a valid PNG embedded in the page."
    pngs = 0
    for k in ('real', 'fixture'):
        for f, p in visited[k].items():
            for img in p['images']:
                assert img['complete'] and img['w'] > 0 and img['h'] > 0, f'{f.name}: image not drawn: {img["src"][:60]}'
                assert img['src'].startswith('data:'), f'{f.name}: image not embedded: {img["src"][:60]}'
                if img['src'].startswith('data:image/png;base64,'):
                    im = Image.open(io.BytesIO(base64.b64decode(img['src'].split(',', 1)[1])))
                    assert im.format == 'PNG' and im.size == (img['w'], img['h']), (f.name, im.size, img['w'], img['h'])
                    pngs += k == 'fixture'
    assert pngs >= 1, 'the executed fixture notebook produced no PNG figure in its page'

def test_fixture_cells(visited, sites):
    "Hidden cells are left out, `echo: false` shows only the output, `#| slow` cells do not run."
    page = visited['fixture'][(sites['fixture_dir']/'01_plot.html').resolve()]
    assert HIDDEN not in page['text']
    assert 'echo-less output' in page['text'] and "print('echo-less output')" not in page['text']
    assert 'a slow cell ran' in page['text'] and 'RuntimeError' not in page['text'].replace("raise RuntimeError", '')
    assert 'import matplotlib.pyplot as plt' in page['text'] and '#| export' not in page['text']

def test_notebook_html_is_sanitised(tmp_path):
    "A `javascript:` link, an `onerror=` handler and a `<script>` in Markdown cells and in outputs do not reach the page; tables, embedded images, highlighted code and formulas beside them do."
    shutil.copy(ROOT/'settings.ini', tmp_path/'settings.ini')
    nbs = tmp_path/'nbs'; nbs.mkdir()
    buf = io.BytesIO(); Image.new('RGB', (4, 3), (200, 30, 30)).save(buf, format='PNG')
    png = base64.b64encode(buf.getvalue()).decode()
    hostile = (f'<a href="javascript:alert(1)">click</a> <a href=" JaVaScRiPt:alert(2)">too</a> '
               f'<img src="data:image/png;base64,{png}" onerror="alert(3)"> <script>alert(4)</script> <b onmouseover="alert(5)">bold</b>')
    md = nbformat.v4.new_markdown_cell('# Page\n\n> Summary.\n\n| AU | F1 |\n|---|---|\n| AU12 | 0.61 |\n\n$\\sum_c w_c$\n\n```python\nx = 1\n```\n\n' + hostile)
    outs = [nbformat.v4.new_output('display_data', data={'text/html': '<table class="dataframe" border="1"><tr><td>0.5</td></tr></table>' + hostile}),
            nbformat.v4.new_output('display_data', data={'text/markdown': hostile}),
            nbformat.v4.new_output('display_data', data={'image/png': png, 'text/plain': '<Figure>'})]
    nb = nbformat.v4.new_notebook(cells=[md, nbformat.v4.new_code_cell('y = 2', outputs=outs)],
                                  metadata={'kernelspec': {'name': 'python3', 'display_name': 'python3', 'language': 'python'}})
    for i, c in enumerate(nb.cells): c.id = f'h{i}'
    nbformat.write(nb, nbs/'index.ipynb')
    res = build_html_docs(tmp_path/'_docs', nbs_path=nbs, quiet=True)
    page = (tmp_path/'_docs'/'index.html').read_text()
    # (Markdown renders an inline `<script>alert(4)</script>` as an empty element and the text `alert(4)`, which is harmless)
    for bad in ('javascript', 'onerror', 'onmouseover', '<script', 'alert(1)', 'alert(2)', 'alert(3)', 'alert(5)'):
        assert bad not in page.lower(), f'{bad!r} survived: ...{page[max(0, page.lower().find(bad) - 200):][:400]}'
    assert res['removed_html'] == 3, res['removed_html']   # the script of the Markdown cell and of both outputs
    assert re.search(r'<table (?=[^>]*border="1")(?=[^>]*class="dataframe")', page), 'the pandas table lost its attributes'
    for kept in ('<td>AU12</td>', '<td>0.5</td>', '<span class="n">x</span>', '<mo>∑</mo>',
                 'click', '<b>bold</b>'):
        assert kept in page, kept
    assert page.count(f'src="data:image/png;base64,{png}"') == 4, page.count(f'src="data:image/png;base64,{png}"')

# ---------------------------------------------------------------------------------------------------------------
# videos the project writes play in the browser (issue #25, kind 10)
# ---------------------------------------------------------------------------------------------------------------
# Wait until the page's one <video> can play through (readyState 4) or fails, then play it, muted, to its end.
_PLAY = r"""(async () => {
  const v = document.querySelector('video');
  const r = await new Promise(res => {
    const done = why => res({why, readyState: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,
                             error: v.error && v.error.code});
    if (v.error) return done('error');
    if (v.readyState >= 4) return done('ready');
    v.addEventListener('canplaythrough', () => done('canplaythrough'), {once: true});
    v.addEventListener('error', () => done('error'), {once: true});
    setTimeout(() => done('timeout'), 15000);
  });
  if (r.readyState < 4) return r;
  await v.play().catch(e => { r.play_error = String(e); });
  await new Promise(res => { if (v.ended) res(); v.addEventListener('ended', res, {once: true}); setTimeout(res, 20000); });
  const q = v.getVideoPlaybackQuality();
  return Object.assign(r, {ended: v.ended, current_time: v.currentTime, frames_shown: q.totalVideoFrames});
})()"""

def play_in_browser(browser, video: Path) -> dict:
    "What Chromium's `<video>` makes of `video`, from a file:// page beside it: readyState, duration (s), size, the MediaError code, and, played to its end, the frames it presented (`getVideoPlaybackQuality().totalVideoFrames`)."
    page = video.with_name(video.stem + '_player.html')
    page.write_text(f'<!doctype html><meta charset="utf-8"><video src="{video.name}" preload="auto" muted playsinline></video>')
    browser.events.clear()
    r = browser.call('Page.navigate', session=True, url=page.resolve().as_uri())
    assert not r.get('errorText'), r
    browser.wait_event('Page.loadEventFired')
    res = browser.call('Runtime.evaluate', session=True, expression=_PLAY, returnByValue=True, awaitPromise=True, timeout=60)
    assert 'exceptionDetails' not in res, res['exceptionDetails']
    return res['result']['value']

def _check_plays(got: dict, n: int, fps: float, size: tuple[int, int]):
    assert got['readyState'] == 4 and got['error'] is None, f"Chromium does not play it: {got}"   # MediaError 4: format not supported
    assert got['duration'] == pytest.approx(n / fps, abs=0.5 / fps), got                         # the frames written, at their rate
    assert (got['width'], got['height']) == size, got
    assert got['ended'] and got['frames_shown'] == n, got

def test_annotated_video_plays_in_the_browser(browser, tmp_path):
    "`au-predict --annotate`'s MP4 plays in Chromium: the <video> reaches readyState 4, lasts 30 frames / 25 fps and shows 30 frames."
    from au_compendium.models import save_detection_path
    from au_compendium.predict import WEIGHTS_FILE, predict, write_video
    from au_compendium.testing import known_model, moving_face_frames
    m, cfg = known_model()
    save_detection_path(tmp_path/WEIGHTS_FILE, m, cfg, [1, 2, 4], meta={'demo': True})
    clip = write_video(moving_face_frames(30, width=320, height=240, face=180, absent=range(10, 14)), tmp_path/'clip.mp4', fps=25)
    df = predict(clip, tmp_path, annotate=tmp_path/'annotated', progress=False)
    ann = df.attrs['annotated'][str(clip)]
    assert ann['frames'] == 30 and ann['fps'] == pytest.approx(25)
    _check_plays(play_in_browser(browser, Path(ann['file'])), 30, 25, (320, 240))

def test_odd_sized_video_plays_in_the_browser(browser, tmp_path):
    "An odd-sized frame at 29.97 fps (`annotate.VideoSink`, padded to even sides) plays in Chromium with its 24 frames."
    from au_compendium.annotate import VideoSink
    from au_compendium.testing import moving_face_frames
    fps = 30000 / 1001
    with VideoSink(tmp_path/'odd.mp4', fps, (321, 241)) as sink:
        for f in moving_face_frames(24, width=321, height=241, face=180): sink.write(f)
    _check_plays(play_in_browser(browser, tmp_path/'odd.mp4'), 24, fps, (322, 242))
