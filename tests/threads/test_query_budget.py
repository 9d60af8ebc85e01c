"""Pages issue a fixed number of SQL queries, however much they show."""


def queries_for(client, count_queries, url) -> int:
    client.get(url)  # warm: the first request loads things once per process
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_thread_page_queries_do_not_grow_with_replies(client, make, count_queries, login_as):
    authors = [make.user() for _ in range(6)]
    small = make.thread(author=authors[0], tags="a, b")
    large = make.thread(author=authors[0], tags="a, b")
    make.reply(small, authors[1])
    make.reply(small, authors[2])  # the member below has posts on both pages
    for i in range(60):
        make.reply(large, authors[i % 6], f"reply {i}")
    anonymous = (queries_for(client, count_queries, f"/t/{small.id}"),
                 queries_for(client, count_queries, f"/t/{large.id}"))
    assert anonymous[0] == anonymous[1]
    login_as(authors[2])
    member = (queries_for(client, count_queries, f"/t/{small.id}"),
              queries_for(client, count_queries, f"/t/{large.id}"))
    assert member[0] == member[1]
    assert member[1] <= 12
    # A member with no post on the page is not asked about their posts' mentions.
    login_as(make.user())
    assert queries_for(client, count_queries, f"/t/{large.id}") == member[1] - 1


def test_listing_queries_do_not_grow_with_threads(client, make, count_queries):
    category = make.category("busy")
    make.thread(category=category, tags="x")
    few = queries_for(client, count_queries, "/c/busy"), queries_for(client, count_queries, "/")
    for i in range(25):
        make.thread(author=make.user(), category=category, tags=f"t{i}, x")
    many = queries_for(client, count_queries, "/c/busy"), queries_for(client, count_queries, "/")
    assert few == many


def test_a_listing_counts_its_threads_once_per_change(app, client, make, count_queries, login_as):
    app.config["THREADS_PER_PAGE"] = 2
    category = make.category("busy")
    for i in range(3):
        make.thread(category=category, title=f"Thread {i}")
    login_as(make.user("reader"))  # members' listings are fresh renders
    client.get("/c/busy")
    with count_queries() as queries:
        page = client.get("/c/busy").get_data(as_text=True)
    assert not [q for q in queries if "count(*)" in q.lower() and "FROM (SELECT" in q]
    assert "/c/busy?page=2" in page and "/c/busy?page=3" not in page
    make.thread(category=category, title="Thread 3")
    make.thread(category=category, title="Thread 4")
    assert "/c/busy?page=3" in client.get("/c/busy").get_data(as_text=True)
