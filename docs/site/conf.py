# Sphinx configuration of the documentation site that `make docs` (scripts/docs.sh) builds.
# Offline on purpose: no intersphinx inventories and no tracking or advertising from the theme, so
# the site builds, and reads, on a machine without Internet access.
project = "xmpp.stack"
copyright = "xmpp.stack developers"
title = "xmpp.stack documentation"
html_short_title = "xmpp.stack"

# sphinx_antsibull_ext renders the option and return-value tables antsibull-docs writes; myst_parser
# reads the admin guide straight from README.md, so the guide has one source.
extensions = ["sphinx_antsibull_ext", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_theme_options = {
    "show_extranav": False,
    "show_rtd_ethical_ads": False,
    # The theme's default bar of links to Ansible's web sites: not ours to show.
    "topbar_links": {},
    "documentation_home_url": "index.html",
}
html_show_sphinx = False
html_copy_source = False
html_use_index = False
html_use_modindex = False
display_version = False

default_role = "any"
# Every reference must resolve: a broken link fails the build (scripts/docs.sh runs with -W).
nitpicky = True
