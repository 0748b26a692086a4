namespace Bifrost.Store;
