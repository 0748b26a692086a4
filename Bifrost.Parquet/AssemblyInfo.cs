namespace Bifrost.Parquet;
