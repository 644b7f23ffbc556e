import time

print("Waiting 10 seconds..")
time.sleep(10)
print("Done waiting")
