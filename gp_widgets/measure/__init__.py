"""The one pipeline from a variant to metric values and views, its executor (a reusable process pool, or
any ``concurrent.futures.Executor`` such as a Dask cluster's) and its cache file beside the variant."""
