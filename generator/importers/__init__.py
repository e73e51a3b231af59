"""Moving in: WordPress and Disqus exports become content files and stored comments."""
