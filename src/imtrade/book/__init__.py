"""The book pipeline: table of contents, chapter parameters, execution, build and published site."""
