print("logout-fcgi")
