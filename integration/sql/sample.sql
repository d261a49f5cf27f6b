-- A small shop for trying sql-server: customers, products, orders, order items and a
-- view, about 1,600 rows generated with recursive CTEs (deterministic: the same file
-- gives the same data). SQLite dialect.
--
-- Build it:  cargo run -p e2e --bin mcp-demo -- sql   (creates target/demo/shop.sqlite)
--       or:  sqlite3 shop.sqlite < integration/sql/sample.sql
-- Serve it:  sql-server --url sqlite:shop.sqlite

PRAGMA foreign_keys = ON;

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    email       TEXT    NOT NULL UNIQUE,
    country     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,          -- ISO 8601 date
    vip         BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id        INTEGER PRIMARY KEY,
    sku       TEXT    NOT NULL UNIQUE,
    name      TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    price     NUMERIC NOT NULL CHECK (price > 0),
    stock     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    ordered_at   TEXT    NOT NULL,         -- ISO 8601 timestamp, UTC
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled'))
);

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  NUMERIC NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

CREATE INDEX idx_orders_customer ON orders(customer_id);
CREATE INDEX idx_orders_ordered_at ON orders(ordered_at);
CREATE INDEX idx_items_product ON order_items(product_id);

CREATE VIEW order_totals AS
SELECT o.id AS order_id, o.customer_id, o.status, o.ordered_at,
       round(sum(i.quantity * i.unit_price), 2) AS total, sum(i.quantity) AS items
FROM orders o JOIN order_items i ON i.order_id = o.id
GROUP BY o.id;

-- 120 customers.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120),
firsts(k, v) AS (SELECT key, value FROM json_each('["Ada","Grace","Alan","Edsger","Barbara","Donald","Margaret","Ken","Dennis","Frances","Tim","Radia","Linus","Sophie","John","Hedy"]')),
lasts(k, v) AS (SELECT key, value FROM json_each('["Lovelace","Hopper","Turing","Dijkstra","Liskov","Knuth","Hamilton","Thompson","Ritchie","Allen","Berners-Lee","Perlman","Torvalds","Wilson","McCarthy","Lamarr","Backus"]')),
countries(k, v) AS (SELECT key, value FROM json_each('["DE","FR","GB","US","NL","SE","ES","IT","JP","BR"]'))
INSERT INTO customers (id, name, email, country, created_at, vip)
SELECT n.i,
       f.v || ' ' || l.v,
       lower(f.v) || '.' || lower(replace(l.v, '-', '')) || n.i || '@example.com',
       c.v,
       date('2023-01-01', '+' || ((n.i * 37) % 700) || ' days'),
       n.i % 11 = 0
FROM n
JOIN firsts f ON f.k = n.i % 16
JOIN lasts l ON l.k = (n.i * 7) % 17
JOIN countries c ON c.k = (n.i * 3) % 10;

-- 40 products in 5 categories.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40),
categories(k, v) AS (SELECT key, value FROM json_each('["books","garden","kitchen","toys","tools"]')),
adjectives(k, v) AS (SELECT key, value FROM json_each('["Classic","Compact","Deluxe","Eco","Giant","Mini","Pro","Smart"]'))
INSERT INTO products (id, sku, name, category, price, stock)
SELECT n.i,
       printf('SKU-%04d', n.i * 17),
       a.v || ' ' || c.v || ' item ' || n.i,
       c.v,
       round(4.99 + ((n.i * 73) % 9500) / 100.0, 2),
       (n.i * 29) % 250
FROM n
JOIN categories c ON c.k = n.i % 5
JOIN adjectives a ON a.k = (n.i * 3) % 8;

-- 400 orders through 2024.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
INSERT INTO orders (id, customer_id, ordered_at, status)
SELECT i,
       (i * 7) % 120 + 1,
       strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || ((i * 13) % 366) || ' days', '+' || ((i * 4177) % 86400) || ' seconds'),
       CASE WHEN i % 10 = 0 THEN 'cancelled' WHEN i % 10 < 3 THEN 'pending' WHEN i % 10 < 6 THEN 'paid' ELSE 'shipped' END
FROM n;

-- One to three items per order (about 800 rows), at the product's price.
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 3)
INSERT INTO order_items (order_id, product_id, quantity, unit_price)
SELECT o.id, p.id, (o.id + k.j) % 4 + 1, p.price
FROM orders o
JOIN k ON k.j <= o.id % 3 + 1
JOIN products p ON p.id = (o.id * 3 + k.j * 11) % 40 + 1;
