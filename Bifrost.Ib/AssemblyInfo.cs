namespace Bifrost.Ib;
