import os

# prints the message the environment passes in
print(os.environ.get("MESSAGE"))
