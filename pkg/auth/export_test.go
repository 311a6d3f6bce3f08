package auth

// FailWrites makes every write of u's token cache fail with err, as a folder that is not
// writable (or a full disk) does; root, as tests may run, cannot be refused by modes.
func FailWrites(u *UserLogin, err error) {
	u.cache.writeFile = func(string, []byte) error { return err }
}
