/*
 * The demo shop's browser side: the cart (localStorage), the consent banner, sign in and out, and the
 * e-commerce events (orders are placed by the server, from the checkout page's form). It runs at the
 * end of the body, before the deferred SDK, so the cart widget's item ids are in place when the SDK
 * renders the page's widgets; calls to the SDK wait for DOMContentLoaded (deferred scripts have run by then).
 */
;(function () {
  'use strict'
  var CART = 'demo.cart'
  var CONSENT = 'demo.consent'
  var MAX_QUANTITY = 99 // what the server's checkout accepts per line

  function read(key, fallback) {
    try {
      var v = localStorage.getItem(key)
      return v === null ? fallback : JSON.parse(v)
    } catch (e) {
      return fallback
    }
  }
  function write(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value))
    } catch (e) {}
  }
  function $(selector) {
    return document.querySelector(selector)
  }
  function el(tag, text) {
    var n = document.createElement(tag)
    if (text !== undefined) n.textContent = text
    return n
  }
  /** Runs fn with the SDK once it has loaded; skipped when it did not (blocked, offline). */
  function withSdk(fn) {
    var run = function () {
      if (window.attune && window.attune.loaded) fn(window.attune)
    }
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run)
    else run()
  }
  function money(price, currency) {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency: currency || 'EUR' }).format(price)
    } catch (e) {
      return String(price)
    }
  }

  // ---- cart ----
  function cart() {
    return read(CART, [])
  }
  function saveCart(lines) {
    write(CART, lines)
    showCount()
  }
  function showCount() {
    var count = $('[data-cart-count]')
    if (count) count.textContent = String(cart().reduce(function (s, l) { return s + l.quantity }, 0))
  }
  showCount()

  // ---- consent: asked once, remembered here (the SDK remembers its own copy) and in the demo_consent
  // cookie, so what the server personalizes (the home banner) follows the same answer ----
  function consentCookie(choice) {
    var value = choice === 'accepted' ? 'granted' : choice === 'declined' ? 'declined' : ''
    document.cookie = 'demo_consent=' + value + '; max-age=' + (value ? 365 * 86400 : 0) + '; path=/; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '')
  }
  consentCookie(read(CONSENT, null)) // every page: the cookie never outlives or contradicts the stored answer
  var banner = $('[data-consent-banner]')
  if (banner && read(CONSENT, null) === null) banner.hidden = false
  var reopen = $('[data-consent-open]')
  if (reopen && banner) reopen.addEventListener('click', function () { banner.hidden = false })
  ;[].forEach.call(document.querySelectorAll('[data-consent-choice]'), function (button) {
    button.addEventListener('click', function () {
      var accepted = button.getAttribute('data-consent-choice') === 'accept'
      write(CONSENT, accepted ? 'accepted' : 'declined')
      consentCookie(accepted ? 'accepted' : 'declined')
      banner.hidden = true
      withSdk(function (a) {
        a.consent(accepted ? { analytics: true, personalization: true } : false)
      })
      // The home banner was chosen on the server under the previous answer: reload when it may change.
      var shown = $('[data-banner-category]')
      var personal = shown && shown.getAttribute('data-banner-category') !== 'default'
      if (shown && accepted !== personal) {
        var reload = function () { location.reload() }
        if (window.attune && window.attune.loaded) Promise.resolve(window.attune.flush()).then(reload, reload)
        else reload()
      }
    })
  })

  // ---- sign in and out ----
  var signOut = $('[data-sign-out]')
  if (signOut) {
    signOut.addEventListener('click', function () {
      if (window.attune) window.attune.reset()
      document.cookie = 'demo_user=; max-age=0; path=/; SameSite=Lax'
      location.href = '/demo/'
    })
  }
  var login = $('form[data-login]')
  if (login) {
    login.addEventListener('submit', function (event) {
      event.preventDefault()
      var userId = login.elements.userId.value.trim()
      var email = login.elements.email.value.trim()
      if (!userId) return
      // A plain cookie, so the server can pick the home page's banner for this shopper.
      document.cookie = 'demo_user=' + encodeURIComponent(userId) + '; max-age=' + 30 * 86400 + '; path=/; SameSite=Lax'
      var home = function () { location.href = '/demo/' }
      if (!window.attune) return home()
      window.attune.identify(userId, email ? { email: email } : {})
      Promise.resolve(window.attune.flush()).then(home, home)
    })
  }

  // ---- category page ----
  var list = $('[data-category]')
  if (list) {
    var category = list.getAttribute('data-category')
    withSdk(function (a) { a.track('Product List Viewed', { list_id: category, category: category }) })
  }

  // ---- product page ----
  var productEl = $('[data-product]')
  if (productEl) {
    var product = JSON.parse(productEl.getAttribute('data-product'))
    withSdk(function (a) { a.track('Product Viewed', product) })
    var add = $('[data-add-to-cart]')
    if (add) {
      add.addEventListener('click', function () {
        var lines = cart()
        var line = lines.filter(function (l) { return l.id === product.product_id })[0]
        if (line && line.quantity >= MAX_QUANTITY) return
        var image = $('.product-image')
        if (line) line.quantity += 1
        else lines.push({ id: product.product_id, name: product.name, price: product.price, currency: product.currency, quantity: 1, image: image ? image.getAttribute('src') : null })
        saveCart(lines)
        withSdk(function (a) {
          a.track('Product Added', { product_id: product.product_id, name: product.name, price: product.price, currency: product.currency, category: product.category, brand: product.brand, quantity: 1 })
        })
        $('[data-added]').textContent = 'Added to your cart.'
      })
    }
  }

  // ---- cart page: pictures, quantities, removal; the checkout link carries the lines ----
  function picture(line) {
    return line.image || '/demo/img/' + encodeURIComponent(line.id) + '.svg'
  }
  function checkoutUrl(lines) {
    return '/demo/checkout?' + lines.map(function (l) { return 'id=' + encodeURIComponent(l.id) + '&q=' + l.quantity }).join('&')
  }
  function totalOf(lines) {
    return lines.reduce(function (s, l) { return s + l.price * l.quantity }, 0)
  }
  var cartEl = $('[data-cart]')
  function renderCart() {
    var lines = cart()
    var link = $('[data-checkout-link]')
    cartEl.textContent = ''
    link.hidden = lines.length === 0
    link.href = checkoutUrl(lines)
    if (lines.length === 0) cartEl.appendChild(el('p', 'Your cart is empty.'))
    else {
      var table = el('table')
      var head = table.appendChild(el('thead')).appendChild(el('tr'))
      ;['Product', 'Quantity', 'Price', ''].forEach(function (h) {
        var th = head.appendChild(el('th', h))
        th.scope = 'col'
        if (h === 'Price') th.className = 'price'
      })
      var body = table.appendChild(el('tbody'))
      var total = el('p')
      total.className = 'cart-total'
      var showTotal = function () { total.textContent = 'Total: ' + money(totalOf(cart()), lines[0].currency) }
      lines.forEach(function (line) {
        var row = body.appendChild(el('tr'))
        row.setAttribute('data-line', line.id)
        var name = row.appendChild(el('td')).appendChild(el('a'))
        name.className = 'line-product'
        name.href = '/demo/p/' + encodeURIComponent(line.id)
        var img = name.appendChild(el('img'))
        img.src = picture(line)
        img.alt = ''
        img.width = img.height = 64
        name.appendChild(el('span', line.name || line.id))
        var quantity = row.appendChild(el('td')).appendChild(el('input'))
        quantity.type = 'number'
        quantity.min = '1'
        quantity.max = String(MAX_QUANTITY)
        quantity.value = String(line.quantity)
        quantity.className = 'quantity'
        quantity.setAttribute('aria-label', 'Quantity of ' + (line.name || line.id))
        var price = row.appendChild(el('td', money(line.price * line.quantity, line.currency)))
        price.className = 'price'
        quantity.addEventListener('change', function () {
          var wanted = Math.max(1, Math.min(MAX_QUANTITY, Math.round(Number(quantity.value)) || 1))
          quantity.value = String(wanted)
          var now = cart()
          var current = now.filter(function (l) { return l.id === line.id })[0]
          if (!current || current.quantity === wanted) return
          var delta = wanted - current.quantity
          current.quantity = wanted
          saveCart(now)
          withSdk(function (a) {
            a.track(delta > 0 ? 'Product Added' : 'Product Removed', { product_id: line.id, name: line.name, price: line.price, currency: line.currency, quantity: Math.abs(delta) })
          })
          price.textContent = money(line.price * wanted, line.currency)
          link.href = checkoutUrl(now)
          showTotal()
        })
        var removeCell = row.appendChild(el('td'))
        removeCell.className = 'remove'
        var remove = removeCell.appendChild(el('button', 'Remove'))
        remove.type = 'button'
        remove.className = 'link-button'
        remove.setAttribute('aria-label', 'Remove ' + (line.name || line.id))
        remove.addEventListener('click', function () {
          var gone = cart().filter(function (l) { return l.id === line.id })[0]
          saveCart(cart().filter(function (l) { return l.id !== line.id }))
          withSdk(function (a) { a.track('Product Removed', { product_id: line.id, price: line.price, quantity: gone ? gone.quantity : line.quantity }) })
          renderCart()
          withSdk(function (a) { a.widgets($('[data-cart-widget]')) })
        })
      })
      cartEl.appendChild(table)
      cartEl.appendChild(total)
      showTotal()
    }
    // The widget recommends around what is in the cart.
    var widget = $('[data-cart-widget] [data-attune-placement]')
    if (widget && lines.length) widget.setAttribute('data-attune-item-ids', lines.map(function (l) { return l.id }).join(','))
    else if (widget) widget.removeAttribute('data-attune-item-ids')
  }
  if (cartEl) renderCart()

  // ---- checkout: the server shows the order of the lines in the URL; without any, take this cart's ----
  if ($('[data-checkout-empty]') && cart().length > 0) location.replace(checkoutUrl(cart()))
  var placeOrder = $('form[data-place-order]')
  if (placeOrder) {
    placeOrder.addEventListener('submit', function () {
      placeOrder.querySelector('button[type="submit"]').disabled = true // one click, one order (the server deduplicates too)
    })
  }
  // The server placed the order: the cart is done.
  if ($('[data-order-placed]')) saveCart([])
})()
