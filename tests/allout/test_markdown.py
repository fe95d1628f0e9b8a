"""Markdown from organizers and authors becomes a small, safe subset of HTML."""

from django.template import Context, Template

from allout.markdown import render


def test_markdown_keeps_the_formatting_a_description_needs():
    html = render("## Plan\n\n**Bold**, *italic*, `code`\n\n- one\n- two\n\n> quoted")
    assert "<h2>Plan</h2>" in html
    assert "<strong>Bold</strong>, <em>italic</em>, <code>code</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>" in html


def test_links_get_nofollow_noopener_and_only_web_and_mail_schemes():
    html = render("[a](https://example.org) [b](mailto:x@example.org) [c](javascript:alert(1))")
    assert '<a href="https://example.org" rel="nofollow noopener">a</a>' in html
    assert '<a href="mailto:x@example.org" rel="nofollow noopener">b</a>' in html
    assert '<a rel="nofollow noopener">c</a>' in html


def test_raw_html_and_images_are_dropped():
    html = render(
        '<script>alert(1)</script><img src="https://tracker.example/x.png">Hi ![i](x.png)'
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "<img" not in html and "tracker" not in html
    assert "Hi" in html


def test_a_first_level_heading_does_not_compete_with_the_page_title():
    assert "<h1>" not in render("# Big")


def test_the_template_filter_renders_and_marks_safe():
    template = Template("{% load allout_tags %}{{ text|markdown }}")
    html = template.render(Context({"text": "**x** <b onclick=y>"}))
    assert html == "<p><strong>x</strong> <b></b></p>"


def test_empty_text_renders_nothing():
    assert render("") == ""
    assert render(None) == ""
