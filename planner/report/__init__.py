"""Reports of a plan's scenarios: Markdown, self-contained HTML with inline SVG, CSV."""
