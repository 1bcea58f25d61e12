/*!
 * Attune browser SDK: Segment-style tracking (track, identify, page, alias, reset), a first-party
 * anonymous id, batching with retries and an offline queue, consent mode, and recommendation widgets.
 * No dependencies. Load it with
 *   <script src="https://attune.example/sdk/attune.js" data-write-key="wk_..." defer></script>
 * (data-host, data-consent="required", data-necessary="Order Completed", data-auto-page="false" optional;
 * data-user-id with data-user-token for the signed-in shopper of a page your backend renders)
 * or call attune.load({ writeKey, host, ... }) yourself. `window.analytics` is the same object, so pages
 * instrumented for Segment's analytics.js keep working.
 */
;(function (w, d) {
  'use strict'
  if (w.attune && w.attune.loaded) return
  var VERSION = '0.1.0'
  var KEY = 'attune.'
  var cfg = { writeKey: '', host: '', consent: 'granted', necessary: [], flushAt: 20, flushInterval: 1000, autoPage: true, widgets: true, cookieDays: 365 }
  var queue = [] // events waiting to be sent (persisted: the offline queue)
  var sending = false
  var retries = 0
  var timer = null
  var granted = true
  var stash = w.analytics && w.analytics.length ? w.analytics.slice() : [] // calls made before the script loaded

  // ---- storage: first-party cookie for the anonymous id, localStorage for the rest ----
  function getCookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'))
    return m ? decodeURIComponent(m[1]) : null
  }
  function setCookie(name, value, days) {
    try {
      d.cookie = name + '=' + encodeURIComponent(value) + '; max-age=' + days * 86400 + '; path=/; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '')
    } catch (e) {}
  }
  function load(name) {
    try {
      var v = w.localStorage.getItem(KEY + name)
      return v === null ? null : JSON.parse(v)
    } catch (e) {
      return null
    }
  }
  function save(name, value) {
    try {
      if (value === null || value === undefined) w.localStorage.removeItem(KEY + name)
      else w.localStorage.setItem(KEY + name, JSON.stringify(value))
    } catch (e) {}
  }

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID()
    var b = new Uint8Array(16)
    if (w.crypto && w.crypto.getRandomValues) w.crypto.getRandomValues(b)
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
    b[6] = (b[6] & 15) | 64
    b[8] = (b[8] & 63) | 128
    var h = ''
    for (var j = 0; j < 16; j++) h += (b[j] + 256).toString(16).slice(1) + (j === 3 || j === 5 || j === 7 || j === 9 ? '-' : '')
    return h
  }

  var pageId = null // without consent: an id for this page only, never stored
  function anonymousId() {
    if (!granted) return (pageId = pageId || uuid())
    var id = getCookie('ajs_anonymous_id') || load('anonymousId')
    if (id && id.charAt(0) === '"') id = id.slice(1, -1) // analytics.js stores it JSON-quoted
    if (!id) id = pageId || uuid()
    setCookie('ajs_anonymous_id', id, cfg.cookieDays)
    save('anonymousId', id)
    return id
  }
  function userId() {
    return load('userId')
  }
  // The shop backend's identity token for the userId (docs/sdk.md#identity-verification): without it the
  // engine does not use the userId for recommendations and decisions. Kept with the userId it signs.
  function userToken() {
    var t = load('userToken')
    return t && t.userId === userId() ? t.token : null
  }
  function keepUserToken(id, token) {
    save('userToken', id && token ? { userId: String(id), token: String(token) } : null)
  }

  function context() {
    return {
      library: { name: 'attune.js', version: VERSION },
      page: { path: location.pathname, referrer: d.referrer, search: location.search, title: d.title, url: location.href },
      userAgent: navigator.userAgent,
      locale: navigator.language,
      screen: { width: w.screen && w.screen.width, height: w.screen && w.screen.height },
    }
  }

  // ---- the queue: batches to /v1/batch, retries with backoff, beacon on page hide ----
  function enqueue(type, fields) {
    var event = fields
    event.type = type
    event.messageId = uuid()
    event.timestamp = new Date().toISOString()
    event.anonymousId = anonymousId()
    var uid = userId()
    if (uid && !event.userId) event.userId = uid
    event.context = context()
    var necessary = type === 'track' && cfg.necessary.indexOf(event.event) >= 0
    if (!granted && !necessary && !event._consent) return // consent mode: the event never leaves the page
    delete event._consent
    // An event that cannot be sent as JSON (circular properties) is dropped here, or it would block the queue.
    if (sizeOf(event) === null) return
    queue.push(event)
    save('queue', queue)
    if (queue.length >= cfg.flushAt) flush()
    else schedule(cfg.flushInterval)
  }

  function schedule(ms) {
    if (timer) return
    timer = setTimeout(function () {
      timer = null
      flush()
    }, ms)
  }

  function endpoint() {
    return cfg.host.replace(/\/$/, '') + '/v1/batch'
  }

  var MAX_BATCH_EVENTS = 100
  var MAX_BATCH_BYTES = 400000 // the engine takes 500 KB a request
  var batchCap = MAX_BATCH_EVENTS // lowered when the engine says a request was too large

  function sizeOf(event) {
    try {
      return w.TextEncoder ? new w.TextEncoder().encode(JSON.stringify(event)).length : JSON.stringify(event).length * 3
    } catch (e) {
      return null
    }
  }

  // The oldest events that fit one request (at least one: the engine refuses an oversized event by itself).
  function nextBatch() {
    var batch = []
    var bytes = 0
    for (var i = 0; i < queue.length && batch.length < batchCap; i++) {
      var size = sizeOf(queue[i]) || 0
      if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break
      batch.push(queue[i])
      bytes += size
    }
    return batch
  }

  function flush() {
    if (sending || queue.length === 0 || !cfg.writeKey) return Promise.resolve()
    if (navigator.onLine === false) return Promise.resolve() // sent again on the 'online' event
    sending = true
    var batch = nextBatch()
    var body = JSON.stringify({ batch: batch, sentAt: new Date().toISOString() })
    return w
      .fetch(endpoint(), { method: 'POST', keepalive: body.length < 60000, headers: { 'content-type': 'application/json', authorization: 'Basic ' + w.btoa(cfg.writeKey + ':') }, body: body })
      .then(function (res) {
        // 2xx: stored. 408, 429, 5xx: try again later. 413 for several events: send fewer at a time.
        // Any other 4xx: the good events were stored (a 400 lists the refused ones in `rejected`), and the
        // refused ones never will be, so none of them is sent again.
        if (res.ok) return 'done'
        if (res.status === 413 && batch.length > 1) return 'smaller'
        if (res.status === 408 || res.status === 429 || res.status >= 500) return 'retry'
        if (res.status >= 400 && res.status < 500) return 'done'
        return 'retry'
      }, function () {
        return 'retry'
      })
      .then(function (outcome) {
        sending = false
        if (outcome === 'done') {
          drop(batch)
          retries = 0
          batchCap = MAX_BATCH_EVENTS
          if (queue.length > 0) schedule(0)
        } else if (outcome === 'smaller') {
          batchCap = Math.max(1, Math.floor(batch.length / 2))
          schedule(0)
        } else {
          // The same messageIds go again, so the engine never counts an event twice.
          retries++
          schedule(Math.min(60000, 1000 * Math.pow(2, retries - 1)) * (0.5 + Math.random() / 2))
        }
      })
  }

  function drop(sent) {
    var ids = {}
    for (var i = 0; i < sent.length; i++) ids[sent[i].messageId] = true
    queue = queue.filter(function (e) {
      return !ids[e.messageId]
    })
    save('queue', queue)
  }

  // Leaving the page: whatever is queued goes by sendBeacon (no custom headers there: the key rides in the body).
  function beacon() {
    if (queue.length === 0 || !cfg.writeKey || !navigator.sendBeacon) return
    var batch = queue.slice(0, 100)
    var body = JSON.stringify({ batch: batch, sentAt: new Date().toISOString(), writeKey: cfg.writeKey })
    if (navigator.sendBeacon(endpoint(), new Blob([body], { type: 'text/plain' }))) drop(batch)
  }

  // ---- the Segment-style calls ----
  function props(o) {
    return o && typeof o === 'object' ? o : {}
  }
  var api = {
    loaded: false,
    VERSION: VERSION,
    load: function (options) {
      for (var k in options) if (Object.prototype.hasOwnProperty.call(options, k) && options[k] !== undefined) cfg[k] = options[k]
      var stated = load('consent')
      granted = cfg.consent !== 'required' || (stated !== null && stated.analytics !== false)
      queue = load('queue') || []
      // The page was rendered for a signed-in shopper: their userId, with its token.
      if (cfg.userId) save('userId', String(cfg.userId))
      if (cfg.userToken) keepUserToken(cfg.userId || userId(), cfg.userToken)
      api.loaded = true
      w.addEventListener('online', function () {
        flush()
      })
      d.addEventListener('visibilitychange', function () {
        if (d.visibilityState === 'hidden') beacon()
      })
      w.addEventListener('pagehide', beacon)
      while (stash.length) {
        var call = stash.shift()
        if (api[call[0]]) api[call[0]].apply(api, call.slice(1))
      }
      if (cfg.autoPage) api.page()
      if (cfg.widgets) {
        if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', function () { api.widgets() })
        else api.widgets()
      }
      if (queue.length) schedule(0)
      return api
    },
    track: function (event, properties) {
      enqueue('track', { event: event, properties: props(properties) })
    },
    page: function (name, properties) {
      if (typeof name === 'object') (properties = name), (name = undefined)
      enqueue('page', { name: name || d.title, properties: Object.assign({ path: location.pathname, url: location.href, title: d.title, referrer: d.referrer }, props(properties)) })
    },
    /** identify(userId?, traits?, { userToken }?): the token is kept for that userId until reset(). */
    identify: function (id, traits, options) {
      if (typeof id === 'object' && id !== null) (options = traits), (traits = id), (id = undefined)
      if (id) save('userId', String(id))
      if (options && options.userToken) keepUserToken(id || userId(), options.userToken)
      enqueue('identify', { userId: id ? String(id) : userId() || undefined, traits: props(traits) })
    },
    alias: function (newId, previousId) {
      enqueue('alias', { userId: String(newId), previousId: previousId || userId() || anonymousId() })
      save('userId', String(newId))
    },
    reset: function () {
      save('userId', null)
      save('userToken', null)
      setCookie('ajs_anonymous_id', '', -1)
      save('anonymousId', null)
    },
    /** Grants (or refuses) consent: the purposes go to the engine as identify traits. */
    consent: function (purposes) {
      var p = purposes === false ? { analytics: false, personalization: false } : purposes === true || !purposes ? { analytics: true, personalization: true } : purposes
      var before = load('consent')
      save('consent', p)
      granted = cfg.consent !== 'required' || p.analytics !== false
      if (!granted) {
        queue = []
        save('queue', queue)
      }
      // A grant, or the withdrawal of an earlier one, goes to the engine; a first refusal sends nothing.
      if (granted || (before && before.analytics !== false)) enqueue('identify', { userId: userId() || undefined, traits: { consent: p }, _consent: true })
    },
    flush: flush,
    anonymousId: anonymousId,
    userId: userId,
    /** One POST /v1/recommendations for the given placements (the page's widgets use it). */
    recommend: function (placements, options) {
      // Without consent the request names nobody: the answer is the non-personalized one.
      var body = { placements: placements }
      if (granted) body.anonymousId = anonymousId()
      withUser(body)
      if (options && options.fields) body.fields = options.fields
      return post('/v1/recommendations', body)
    },
    /** POST /v1/decisions: which of `variants` ({ id, category?, brand?, default? }) this visitor sees. */
    decide: function (placement, variants) {
      var body = { placement: placement, variants: variants }
      if (granted) body.anonymousId = anonymousId()
      withUser(body)
      return post('/v1/decisions', body)
    },
    widgets: function (root) {
      return Promise.all([renderWidgets(root || d), renderContent(root || d)])
    },
  }

  function withUser(body) {
    var uid = userId()
    if (!uid || !granted) return
    body.userId = uid
    if (userToken()) body.userToken = userToken()
  }

  function post(path, body) {
    return send(path, body).then(null, function (error) {
      // A token the engine no longer accepts (its secret key was revoked): forget it and ask without it.
      if (error.code !== 'invalid_user_token' || !body.userToken) throw error
      keepUserToken(null)
      delete body.userToken
      return send(path, body)
    })
  }
  function send(path, body) {
    return w
      .fetch(cfg.host.replace(/\/$/, '') + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Basic ' + w.btoa(cfg.writeKey + ':') }, body: JSON.stringify(body) })
      .then(function (res) {
        if (res.ok) return res.json()
        return res.json().then(null, function () { return null }).then(function (answer) {
          var error = new Error(path + ': HTTP ' + res.status)
          error.code = answer && answer.error && answer.error.code
          throw error
        })
      })
  }

  // ---- content placements: <div data-attune-content="home-banner"> with <template data-attune-variant="..."> children ----
  function renderContent(root) {
    var els = [].slice.call(root.querySelectorAll('[data-attune-content]'))
    return Promise.all(
      els.map(function (el) {
        var templates = [].slice.call(el.querySelectorAll('template[data-attune-variant]'))
        var variants = templates.map(function (t) {
          var v = { id: attr(t, 'variant') }
          if (attr(t, 'category')) v.category = attr(t, 'category')
          if (attr(t, 'brand')) v.brand = attr(t, 'brand')
          if (t.hasAttribute('data-attune-default')) v.default = true
          return v
        })
        if (!variants.length || !cfg.writeKey) return null
        var show = function (id, decisionId) {
          var t = templates.filter(function (x) { return attr(x, 'variant') === id })[0] || templates[0]
          var slot = el.querySelector('[data-attune-slot]') || el.appendChild(node('div', 'attune-content'))
          slot.setAttribute('data-attune-slot', '')
          slot.textContent = ''
          slot.appendChild(t.content.cloneNode(true))
          el.setAttribute('data-attune-variant', attr(t, 'variant'))
          if (decisionId) el.setAttribute('data-attune-decision-id', decisionId)
        }
        return api.decide(attr(el, 'content'), variants).then(
          function (answer) {
            show(answer.variant, answer.decisionId)
            return answer
          },
          function () {
            show(variants.filter(function (v) { return v.default })[0] ? variants.filter(function (v) { return v.default })[0].id : variants[0].id)
            return null
          },
        )
      }),
    )
  }

  // ---- widgets: every [data-attune-placement] of the page in one request, rendered as a carousel ----
  function attr(el, name) {
    return el.getAttribute('data-attune-' + name)
  }
  function renderWidgets(root) {
    var els = [].slice.call(root.querySelectorAll('[data-attune-placement]'))
    if (!els.length || !cfg.writeKey) return Promise.resolve(null)
    var placements = els.map(function (el) {
      var p = { id: attr(el, 'placement'), strategy: attr(el, 'strategy') || 'for-you', count: Number(attr(el, 'count')) || 8 }
      if (attr(el, 'item-id')) p.itemId = attr(el, 'item-id')
      if (attr(el, 'item-ids')) p.itemIds = attr(el, 'item-ids').split(',').filter(Boolean)
      if (attr(el, 'category')) p.category = attr(el, 'category')
      return p
    })
    return api.recommend(placements).then(
      function (answer) {
        answer.placements.forEach(function (p, i) {
          carousel(els[i], p, answer.recommId)
        })
        return answer
      },
      function () {
        els.forEach(function (el) {
          el.setAttribute('data-attune-state', 'failed')
        })
        return null
      },
    )
  }
  function node(tag, cls, text) {
    var n = d.createElement(tag)
    if (cls) n.className = cls
    if (text !== undefined && text !== null) n.textContent = text
    return n
  }
  // An http(s) or relative URL as given; null for any other scheme. The engine refuses others at upsert,
  // but items stored before it did (or a proxy in between) must not put script into the shop's page.
  function safeUrl(url) {
    if (typeof url !== 'string' || url === '') return null
    try {
      var protocol = new URL(url, location.href).protocol
      return protocol === 'http:' || protocol === 'https:' ? url : null
    } catch (e) {
      return null
    }
  }
  function money(price, currency) {
    if (price === null || price === undefined) return ''
    try {
      return new Intl.NumberFormat(navigator.language, { style: 'currency', currency: currency || 'USD' }).format(price)
    } catch (e) {
      return String(price)
    }
  }
  function carousel(el, p, recommId) {
    var title = attr(el, 'title') || 'Recommended for you'
    var href = attr(el, 'href') // e.g. "/products/{id}"
    var section = node('section', 'attune-carousel')
    section.setAttribute('aria-label', title)
    section.appendChild(node('h2', 'attune-title', title))
    var list = node('ul', 'attune-items')
    list.setAttribute('role', 'list')
    list.tabIndex = 0
    p.items.forEach(function (item, i) {
      var li = node('li', 'attune-item')
      var a = node('a', 'attune-link')
      // No link for a URL that is not http(s) (javascript:, data:): the item still shows, as text.
      var link = href ? href.replace('{id}', encodeURIComponent(item.id)) : safeUrl(item.url)
      if (link) a.href = link
      a.setAttribute('data-attune-item', item.id)
      var image = safeUrl(item.imageUrl)
      if (image) {
        var img = node('img', 'attune-image')
        img.loading = 'lazy'
        img.decoding = 'async'
        img.src = image
        img.alt = item.title || ''
        a.appendChild(img)
      }
      a.appendChild(node('span', 'attune-name', item.title || item.id))
      a.appendChild(node('span', 'attune-price', money(item.price, item.currency)))
      a.appendChild(node('span', 'attune-reason', item.reason))
      a.addEventListener('click', function () {
        // Queued and saved before the page goes: the next page (or the beacon on page hide) sends it.
        api.track('Product Clicked', { product_id: item.id, name: item.title, price: item.price, recommId: recommId, strategy: p.strategy, placement: p.id, position: i + 1 })
      })
      li.appendChild(a)
      list.appendChild(li)
    })
    var prev = node('button', 'attune-prev', '\u2039')
    var next = node('button', 'attune-next', '\u203a')
    prev.type = next.type = 'button'
    prev.setAttribute('aria-label', 'Previous items')
    next.setAttribute('aria-label', 'Next items')
    prev.addEventListener('click', function () {
      list.scrollBy({ left: -list.clientWidth, behavior: 'smooth' })
    })
    next.addEventListener('click', function () {
      list.scrollBy({ left: list.clientWidth, behavior: 'smooth' })
    })
    section.appendChild(prev)
    section.appendChild(list)
    section.appendChild(next)
    el.textContent = ''
    el.appendChild(section)
    el.setAttribute('data-attune-state', p.items.length ? 'ready' : 'empty')
    el.setAttribute('data-attune-recomm-id', recommId)
    el.setAttribute('data-attune-served-by', p.servedBy.join(' '))
  }
  w.attune = api
  w.analytics = api

  var s = d.currentScript
  if (s && s.getAttribute('data-write-key')) {
    var nec = s.getAttribute('data-necessary')
    api.load({
      writeKey: s.getAttribute('data-write-key'),
      host: s.getAttribute('data-host') || s.src.replace(/\/sdk\/[^/]*$/, ''),
      consent: s.getAttribute('data-consent') || 'granted',
      necessary: nec ? nec.split(',').map(function (x) { return x.trim() }) : [],
      autoPage: s.getAttribute('data-auto-page') !== 'false',
      widgets: s.getAttribute('data-widgets') !== 'false',
      userId: s.getAttribute('data-user-id') || undefined,
      userToken: s.getAttribute('data-user-token') || undefined,
    })
  }
})(window, document)
