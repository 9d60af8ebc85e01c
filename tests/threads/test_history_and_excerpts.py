"""Pure helpers of the reading pages: the search excerpt and the edit history's word diff."""
import re

from hypothesis import given, strategies as st
from markupsafe import escape

from forum.threads.excerpts import search_excerpt
from forum.threads.history import word_diff

LONG = "<p>" + "Lorem ipsum dolor sit amet. " * 20 + "Closing a <b>heated</b> thread &amp; moving on. " \
       + "More words follow here. " * 20 + "</p>"


def test_the_excerpt_is_the_text_around_the_first_word_found_with_every_word_marked():
    excerpt = str(search_excerpt(LONG, "heated THREAD"))
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>heated</mark> <mark>thread</mark> &amp; moving on" in excerpt
    assert len(re.sub(r"<[^>]+>", "", excerpt)) < 300


def test_words_are_matched_as_prefixes_and_a_short_post_is_shown_whole():
    assert str(search_excerpt("<p>Moderators moderate.</p>", "moder")) == \
        "<mark>Moderators</mark> <mark>moderate</mark>."


def test_without_a_match_the_excerpt_is_the_start_of_the_post():
    assert str(search_excerpt(LONG, "zebra")).startswith("Lorem ipsum")


@given(st.text(max_size=400), st.text(max_size=40))
def test_the_excerpt_is_always_escaped_text_with_only_mark_tags(text, query):
    excerpt = str(search_excerpt(str(escape(text)), query))
    assert re.sub(r"</?mark>", "", excerpt).count("<") == 0


def test_the_diff_marks_added_and_removed_words_and_escapes_the_rest():
    assert str(word_diff("Use tabs <always>.", "Use spaces <always>.")) == \
        "Use <del>tabs</del><ins>spaces</ins> &lt;always&gt;."


@given(st.text(max_size=200), st.text(max_size=200))
def test_the_diff_without_its_deletions_is_the_new_text(old, new):
    html = str(word_diff(old, new))
    kept = re.sub(r"<del>.*?</del>", "", html, flags=re.S).replace("<ins>", "").replace("</ins>", "")
    assert kept == str(escape(new))
