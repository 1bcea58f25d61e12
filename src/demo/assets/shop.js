/*
 * The demo shop's browser side: the cart (localStorage), the consent banner, sign in and out, and the
 * e-commerce events. It runs at the end of the body, before the deferred SDK, so the cart widget's item
 * ids are in place when the SDK renders the page's widgets; calls to the SDK wait for DOMContentLoaded
 * (deferred scripts have run by then).
 */
;(function () {
  'use strict'
  var CART = 'demo.cart'
  var CONSENT = 'demo.consent'

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

  // ---- consent: asked once, remembered here (the SDK remembers its own copy) ----
  var banner = $('[data-consent-banner]')
  if (banner && read(CONSENT, null) === null) banner.hidden = false
  ;[].forEach.call(document.querySelectorAll('[data-consent-choice]'), function (button) {
    button.addEventListener('click', function () {
      var accepted = button.getAttribute('data-consent-choice') === 'accept'
      write(CONSENT, accepted ? 'accepted' : 'declined')
      banner.hidden = true
      withSdk(function (a) {
        a.consent(accepted ? { analytics: true, personalization: true } : false)
      })
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
        if (line) line.quantity += 1
        else lines.push({ id: product.product_id, name: product.name, price: product.price, currency: product.currency, quantity: 1 })
        saveCart(lines)
        withSdk(function (a) {
          a.track('Product Added', { product_id: product.product_id, name: product.name, price: product.price, currency: product.currency, category: product.category, brand: product.brand, quantity: 1 })
        })
        $('[data-added]').textContent = 'Added to your cart.'
      })
    }
  }

  // ---- cart page ----
  var cartEl = $('[data-cart]')
  function renderCart() {
    var lines = cart()
    cartEl.textContent = ''
    $('[data-checkout-link]').hidden = lines.length === 0
    if (lines.length === 0) cartEl.appendChild(el('p', 'Your cart is empty.'))
    else {
      var table = el('table')
      var head = table.appendChild(el('tr'))
      ;['Product', 'Quantity', 'Price', ''].forEach(function (h) { head.appendChild(el('th', h)).scope = 'col' })
      lines.forEach(function (line) {
        var row = table.appendChild(el('tr'))
        var name = row.appendChild(el('td')).appendChild(el('a', line.name || line.id))
        name.href = '/demo/p/' + encodeURIComponent(line.id)
        row.appendChild(el('td', String(line.quantity)))
        row.appendChild(el('td', money(line.price * line.quantity, line.currency)))
        var remove = row.appendChild(el('td')).appendChild(el('button', 'Remove'))
        remove.type = 'button'
        remove.className = 'link-button'
        remove.setAttribute('aria-label', 'Remove ' + (line.name || line.id))
        remove.addEventListener('click', function () {
          saveCart(cart().filter(function (l) { return l.id !== line.id }))
          withSdk(function (a) { a.track('Product Removed', { product_id: line.id, price: line.price, quantity: line.quantity }) })
          renderCart()
          withSdk(function (a) { a.widgets($('[data-cart-widget]')) })
        })
      })
      var total = lines.reduce(function (s, l) { return s + l.price * l.quantity }, 0)
      cartEl.appendChild(table)
      cartEl.appendChild(el('p', 'Total: ' + money(total, lines[0].currency))).className = 'cart-total'
    }
    // The widget recommends around what is in the cart.
    var widget = $('[data-cart-widget] [data-attune-placement]')
    if (widget && lines.length) widget.setAttribute('data-attune-item-ids', lines.map(function (l) { return l.id }).join(','))
    else if (widget) widget.removeAttribute('data-attune-item-ids')
  }
  if (cartEl) renderCart()

  // ---- checkout: one order of the whole cart ----
  var checkout = $('[data-checkout]')
  if (checkout) {
    var lines = cart()
    var status = $('[data-checkout-status]')
    if (lines.length === 0) status.textContent = 'Your cart is empty, so there is nothing to check out.'
    else {
      var orderId = 'demo-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8)
      var revenue = Math.round(lines.reduce(function (s, l) { return s + l.price * l.quantity }, 0) * 100) / 100
      var currency = lines[0].currency || 'EUR'
      saveCart([]) // emptied first: reloading this page must not order again
      withSdk(function (a) {
        a.track('Order Completed', {
          order_id: orderId,
          revenue: revenue,
          currency: currency,
          products: lines.map(function (l) { return { product_id: l.id, name: l.name, price: l.price, quantity: l.quantity } }),
        })
        a.flush()
      })
      checkout.querySelector('h1').textContent = 'Thank you for your order!'
      status.textContent = 'Order ' + orderId + ': ' + lines.length + (lines.length === 1 ? ' product, ' : ' products, ') + money(revenue, currency) + '.'
    }
  }
})()
