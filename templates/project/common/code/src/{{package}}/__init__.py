"""{{project}}: a scikit-learn regression on the diabetes data set, trained as a pipeline."""
